import {
  deadLetterTopic,
  groupLag,
  type Kafka,
  readLatestByKey,
  readTopicSince,
  redriveDeadLetters,
} from "@parakey-bridge/kafka";
import type { Logger } from "@parakey-bridge/telemetry";

/** One dead-lettered record as an operator sees it. */
export interface DeadLetter {
  partition: number;
  offset: string;
  at: string;
  eventLogId: string | null;
  errorCode: string | null;
  reason: string | null;
  attempts: string | null;
}

export interface GroupStatus {
  group: string;
  lag: number | null;
  deadLetters: DeadLetter[];
  error?: string;
}

export interface PollerFreshness {
  integration: string;
  lastSuccessAt: string | null;
  highWaterMark: string | null;
  ageSeconds: number | null;
}

const MAX_DEAD_LETTERS_SHOWN = 200;

/**
 * The operations view: each consumer group's lag and dead letters (reason per record), redrive, and
 * the poller's freshness from its checkpoints. Everything is read from Kafka on request.
 */
export class Operations {
  constructor(
    private readonly deps: {
      kafka: Kafka;
      groups: readonly string[];
      eventLogsTopic: string;
      /** The poller's compacted checkpoint topic. */
      pollerStateTopic: string;
      log: Logger;
      now(): Date;
    },
  ) {}

  get groups(): readonly string[] {
    return this.deps.groups;
  }

  async groupStatus(group: string): Promise<GroupStatus> {
    const { kafka, log, eventLogsTopic } = this.deps;
    const status: GroupStatus = { group, lag: null, deadLetters: [] };
    try {
      status.lag = await groupLag(kafka, group, eventLogsTopic);
      const records = await readTopicSince(kafka, deadLetterTopic(group), new Date(0), {
        log,
        timeoutMs: 30_000,
      });
      status.deadLetters = records.slice(-MAX_DEAD_LETTERS_SHOWN).map((r) => ({
        partition: r.partition,
        offset: r.offset,
        at: new Date(r.timestamp).toISOString(),
        eventLogId: r.headers.ce_id ?? null,
        errorCode: r.headers["pb-dlq-error-code"] ?? null,
        reason: r.headers["pb-dlq-error-message"] ?? null,
        attempts: r.headers["pb-dlq-attempts"] ?? null,
      }));
    } catch (error) {
      // A group that never dead-lettered has no topic yet; show what could be read.
      status.error = (error as Error).message;
    }
    return status;
  }

  /** Sends the group's dead letters back to that group only (see `redriveDeadLetters`). */
  async redrive(group: string): Promise<number> {
    if (!this.deps.groups.includes(group)) throw new Error(`unknown group ${group}`);
    const { redriven } = await redriveDeadLetters(this.deps.kafka, { group, log: this.deps.log });
    return redriven;
  }

  async pollerFreshness(): Promise<PollerFreshness[]> {
    let latest: Map<string, Buffer | null>;
    try {
      latest = await readLatestByKey(this.deps.kafka, this.deps.pollerStateTopic, {
        log: this.deps.log,
        timeoutMs: 15_000,
      });
    } catch (error) {
      this.deps.log.debug({ err: error }, "poller checkpoints not read");
      return [];
    }
    const now = this.deps.now().getTime();
    const out: PollerFreshness[] = [];
    for (const [integration, value] of latest) {
      if (value === null) continue;
      let parsed: { lastSuccessAt?: unknown; highWaterMark?: unknown } = {};
      try {
        parsed = JSON.parse(value.toString("utf8")) as typeof parsed;
      } catch {
        parsed = {};
      }
      const lastSuccessAt = typeof parsed.lastSuccessAt === "string" ? parsed.lastSuccessAt : null;
      const highWaterMark = typeof parsed.highWaterMark === "string" ? parsed.highWaterMark : null;
      out.push({
        integration,
        lastSuccessAt,
        highWaterMark,
        ageSeconds: lastSuccessAt === null ? null : Math.round((now - Date.parse(lastSuccessAt)) / 1000),
      });
    }
    return out.sort((a, b) => (a.integration < b.integration ? -1 : 1));
  }
}
