import type { Component, HealthCheck } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import { AssignerProtocol, type Consumer, type Kafka, type PartitionAssigner } from "kafkajs";

/** One stretch of leadership; `signal` aborts the moment it ends (rebalance, eviction, stop). */
export interface LeadershipTerm {
  readonly signal: AbortSignal;
}

export interface PartitionLeadershipOptions {
  kafka: Kafka;
  /** Every candidate joins this consumer group; one group per thing to lead. */
  group: string;
  /** A topic the candidates subscribe to; whoever is assigned its partition 0 leads. */
  topic: string;
  log: Logger;
  /** How long a silent member keeps the lead before the broker hands it over. Default 30 s. */
  sessionTimeoutMs?: number;
  /** Default 3 s; keep it well under the session timeout. */
  heartbeatIntervalMs?: number;
  /** Called on every election; the term's signal tells when to stop. Must return quickly. */
  onElected: (term: LeadershipTerm) => void;
  /** kafkajs gave up on the group for good (it will not restart the consumer). */
  onFatal?: (error: Error) => void;
}

const ASSIGNER = "PartitionLeadership";
const CLAIM = "leader";

/**
 * Leader election on Kafka's own consumer-group protocol, for work exactly one replica may do at a
 * time (the Parakey poller): every candidate joins `group` subscribed to `topic`, and the member the
 * group assigns partition 0 leads. A member that dies is evicted by the broker after the session
 * timeout and the partition (so the lead) moves to a survivor; no extra infrastructure, no home-made
 * consensus.
 *
 * Safety rests on the classic (eager) rebalance protocol: a new assignment is handed out only after
 * every live member rejoined, and this member ends its term the moment it learns of a rebalance
 * (before it rejoins). A member that stops heartbeating for a session timeout (a long GC pause, a
 * partition from the broker) ends its own term too, since the broker has evicted it by then. The
 * remaining window where two members may both act is the time an aborted term takes to wind down,
 * so the work must tolerate an occasional overlap (the poller only re-produces events).
 *
 * The assignor is sticky: the current leader claims the partition when it rejoins, so a replica
 * joining the group (a rolling deploy) does not move the lead. A leader that fenced itself does not
 * claim it: it rejoins as a follower of whoever took over, or, when the broker never evicted it,
 * resumes with its next accepted heartbeat.
 *
 * @example
 * const leadership = new PartitionLeadership({
 *   kafka, group: "parakey-bridge-poller-acme", topic: "parakey-bridge.poller-state", log,
 *   onElected: (term) => void pollUntil(term.signal),
 * });
 * lifecycle.add(leadership);
 */
export class PartitionLeadership implements Component {
  readonly name: string;
  /** Live while kafkajs keeps the group membership going (it restarts on retriable crashes). */
  readonly check: HealthCheck;
  private readonly consumer: Consumer;
  private readonly sessionTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private term: AbortController | undefined;
  /** Whether this member was assigned partition 0 in the last generation it joined. */
  private holds = false;
  /**
   * What this member claims when it (re)joins: that it holds the lead. Given up when it fences
   * itself, so that after an eviction it does not take the lead back from whoever took over.
   */
  private claims = false;
  /** Its term ended by the silence fence while it may still belong to the generation. */
  private fenced = false;
  private lastHeartbeat = 0;
  private fenceTimer: NodeJS.Timeout | undefined;
  private failed: Error | undefined;

  constructor(private readonly options: PartitionLeadershipOptions) {
    this.name = `leadership-${options.group}`;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
    this.check = { name: this.name, live: () => this.failed === undefined };
    this.consumer = options.kafka.consumer({
      groupId: options.group,
      sessionTimeout: this.sessionTimeoutMs,
      rebalanceTimeout: Math.max(this.sessionTimeoutMs, 10_000),
      heartbeatInterval: this.heartbeatIntervalMs,
      // An idle fetch returns after this long, and the member heartbeats between fetches.
      maxWaitTimeInMs: this.heartbeatIntervalMs,
      allowAutoTopicCreation: false,
      partitionAssigners: [stickyLeaderAssigner(() => this.claims)],
    });
    this.watch();
  }

  /** Whether this member leads right now. */
  get isLeader(): boolean {
    return this.term !== undefined;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: false });
    // The records are not needed: membership is the point. Offsets are never committed.
    await this.consumer.run({ autoCommit: false, eachBatch: async () => {} });
    this.fenceTimer = setInterval(() => this.fenceIfSilent(), this.heartbeatIntervalMs);
  }

  /** Ends the term, then leaves the group so another member takes over at once. */
  async stop(): Promise<void> {
    clearInterval(this.fenceTimer);
    this.revoke("stopping");
    this.holds = false;
    this.claims = false;
    await this.consumer.disconnect();
  }

  private watch(): void {
    const { events } = this.consumer;
    const log = this.options.log;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      const partitions = payload.memberAssignment[this.options.topic] ?? [];
      this.holds = partitions.includes(0);
      this.claims = this.holds;
      this.fenced = false;
      this.lastHeartbeat = Date.now();
      if (this.holds && !this.term) this.elect();
      if (!this.holds) this.revoke("partition assigned to another member");
    });
    this.consumer.on(events.HEARTBEAT, () => {
      this.lastHeartbeat = Date.now();
      // A heartbeat the broker accepted means the generation did not change while this member was
      // silent: nobody else was given the partition, so the fenced term may start again. (After an
      // eviction the heartbeat fails instead, and the member rejoins without claiming the lead.)
      if (this.fenced && this.holds && !this.term) {
        this.fenced = false;
        this.claims = true;
        this.options.log.info({ group: this.options.group }, "still in the same generation after a fence");
        this.elect();
      }
    });
    this.consumer.on(events.REBALANCING, () => this.revoke("group rebalancing"));
    this.consumer.on(events.STOP, () => this.revoke("consumer stopped"));
    this.consumer.on(events.CRASH, ({ payload }) => {
      this.revoke("consumer crashed");
      this.holds = false;
      this.claims = false;
      const error = payload.error instanceof Error ? payload.error : new Error(String(payload.error));
      if (payload.restart) {
        log.warn(
          { err: error, group: this.options.group },
          "leadership consumer crashed; kafkajs restarts it",
        );
        return;
      }
      this.failed = error;
      log.error({ err: error, group: this.options.group }, "leadership consumer crashed for good");
      this.options.onFatal?.(error);
    });
  }

  /**
   * The broker evicts a member that did not heartbeat for a session timeout; assume it did: end the
   * term and give up the claim, so the rejoin that follows an eviction leaves the lead with whoever
   * took over (no flapping back). If the broker did not evict it after all, the next accepted
   * heartbeat starts a new term (see the HEARTBEAT listener).
   */
  private fenceIfSilent(): void {
    if (this.term && Date.now() - this.lastHeartbeat > this.sessionTimeoutMs) {
      this.fenced = true;
      this.claims = false;
      this.revoke("no heartbeat within the session timeout");
    }
  }

  private elect(): void {
    const term = new AbortController();
    this.term = term;
    this.options.log.info({ group: this.options.group }, "elected leader");
    try {
      this.options.onElected({ signal: term.signal });
    } catch (error) {
      this.options.log.error({ err: error, group: this.options.group }, "onElected threw");
    }
  }

  private revoke(reason: string): void {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    this.options.log.info({ group: this.options.group, reason }, "leadership ended");
    term.abort(new Error(`leadership ended: ${reason}`));
  }
}

/**
 * Who gets the partitions: the member that claims to hold them already (the sitting leader), else
 * the lowest member id. Pure, so the rule is testable without a broker.
 *
 * @example
 * chooseLeader([{ memberId: "b", claims: true }, { memberId: "a", claims: false }]); // "b"
 */
export function chooseLeader(members: readonly { memberId: string; claims: boolean }[]): string | undefined {
  const sorted = [...members].sort((a, b) =>
    a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0,
  );
  return (sorted.find((member) => member.claims) ?? sorted[0])?.memberId;
}

/** Every partition to one member (see `chooseLeader`); the others get nothing. */
function stickyLeaderAssigner(claims: () => boolean): PartitionAssigner {
  return ({ cluster }) => ({
    name: ASSIGNER,
    version: 0,
    protocol: ({ topics }) => ({
      name: ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: 0,
        topics,
        userData: Buffer.from(claims() ? CLAIM : ""),
      }),
    }),
    async assign({ members, topics }) {
      const leader = chooseLeader(
        members.map(({ memberId, memberMetadata }) => ({
          memberId,
          claims: AssignerProtocol.MemberMetadata.decode(memberMetadata)?.userData.toString() === CLAIM,
        })),
      );
      const all: Record<string, number[]> = {};
      for (const topic of topics) {
        all[topic] = cluster
          .findTopicPartitionMetadata(topic)
          .map((partition) => partition.partitionId)
          .sort((a, b) => a - b);
      }
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: memberId === leader ? all : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}
