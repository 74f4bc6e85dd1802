import { setTimeout as sleepFor } from "node:timers/promises";
import { type Kafka, PartitionLeadership } from "@parakey-bridge/kafka";
import { type ParakeyClient, ParakeyPagingError } from "@parakey-bridge/parakey-client";
import type { Clock, Component, HealthCheck } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { RecentEventIds } from "../dedupe/recent-event-ids.js";
import type { PollerCheckpoint } from "./checkpoint.js";
import { pollerCheckpointKey } from "./checkpoint.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import type { GapDetector } from "./gap-detector.js";
import { jitteredDelayMs } from "./interval.js";
import type { PollerMetrics, PollOutcome } from "./metrics.js";
import { type PollCycleResult, runPollCycle } from "./poll-cycle.js";
import type { EventLogPublisher } from "./publisher.js";

/** Waits `ms` or until `signal` aborts (then rejects). Injected by tests. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface IntegrationPollerOptions {
  integration: string;
  client: ParakeyClient;
  publisher: EventLogPublisher;
  store: CheckpointStore;
  gaps: GapDetector;
  /** The webhook's recent-ids memory, asked by the gap detector. */
  recent: RecentEventIds;
  metrics: PollerMetrics;
  clock: Clock;
  log: Logger;
  intervalMs: number;
  jitterMs: number;
  overlapMs: number;
  startDate: Date | undefined;
  pageSize: number;
  /** Who polls: the member of `group` assigned partition 0 of `topic` (the poller-state topic). */
  election: { kafka: Kafka; group: string; topic: string; sessionTimeoutMs: number };
  sleep?: Sleep;
  random?: () => number;
}

const realSleep: Sleep = (ms, signal) => sleepFor(ms, undefined, { signal }).then(() => undefined);

/**
 * The poller of one Parakey integration, the safety net behind the webhook: while this replica
 * leads the integration's consumer group (`parakey-bridge-poller-<integration>`), it loads the
 * checkpoint from the poller-state topic and polls right away, then every interval (plus jitter).
 * Losing the lead aborts the cycle in flight (whatever Kafka acknowledged is checkpointed or will be
 * re-read by the next leader; only duplicates can result). A failed cycle is logged and counted and
 * the next one tries again: Parakey or Kafka being away must not stop the webhook path. For the same
 * reason joining the election happens in the background and is retried until it succeeds.
 *
 * @example
 * const poller = new IntegrationPoller({ integration: "acme", client, publisher, store, gaps, recent,
 *   metrics, clock, log, intervalMs: 300_000, jitterMs: 30_000, overlapMs: 300_000, startDate: undefined,
 *   pageSize: 100, election: { kafka, group: "parakey-bridge-poller-acme", topic, sessionTimeoutMs: 30_000 } });
 * lifecycle.add(poller);
 */
export class IntegrationPoller implements Component {
  readonly name: string;
  /**
   * For `/readyz/pollers` (never the webhook's readiness): ready while this replica takes part in
   * the integration's election. Always live: a poller that cannot join retries on its own, and
   * restarting the pod would take the webhook down with it.
   */
  readonly check: HealthCheck;
  private leadership: PartitionLeadership | undefined;
  private joined = false;
  private readonly sleep: Sleep;
  private readonly key: string;
  private checkpoint: PollerCheckpoint | undefined;
  private loaded = false;
  private lastSuccessMs: number | undefined;
  /** Terms run one after the other: a new term waits for the previous one to wind down. */
  private running: Promise<void> = Promise.resolve();
  /** The loop that joins the election and joins it again after a failure. */
  private supervising: Promise<void> = Promise.resolve();
  private readonly stopping = new AbortController();

  constructor(private readonly options: IntegrationPollerOptions) {
    this.name = `poller-${options.integration}`;
    this.key = pollerCheckpointKey(options.integration);
    this.sleep = options.sleep ?? realSleep;
    this.check = { name: this.name, ready: () => this.joined };
    options.metrics.leader.set({ integration: options.integration }, 0);
    options.metrics.trackLastSuccess(options.integration, () => this.lastSuccessMs);
  }

  get isLeader(): boolean {
    return this.leadership?.isLeader ?? false;
  }

  /** Whether this replica takes part in the election right now. */
  get isJoined(): boolean {
    return this.joined;
  }

  /**
   * Joins the election in the background and resolves at once: the poller must not hold up (or
   * fail) the start of the webhook beside it. Until it has joined (the state topic missing, the
   * group coordinator failing) it retries with backoff; polling starts when (and each time) this
   * replica is elected.
   */
  async start(): Promise<void> {
    this.supervising = this.supervise();
  }

  /** Ends the term (the cycle in flight is aborted), waits for it, and leaves the group. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error("poller stopping"));
    await this.supervising;
    await this.running;
  }

  private async supervise(): Promise<void> {
    const { integration, log } = this.options;
    const stopping = this.stopping.signal;
    for (let failures = 0; !stopping.aborted; ) {
      let failedForGood: (error: Error) => void = () => {};
      const fatal = new Promise<Error>((resolve) => {
        failedForGood = resolve;
      });
      const leadership = this.newLeadership(failedForGood);
      this.leadership = leadership;
      try {
        await leadership.start();
        this.joined = true;
        failures = 0;
        log.info({ integration }, "poller joined its election");
        const error = await Promise.race([fatal, aborted(stopping)]);
        if (error) log.error({ err: error, integration }, "poller left its election; joining again");
      } catch (error) {
        failures += 1;
        log.warn(
          { err: error, integration, attempt: failures },
          "poller could not join its election; the webhook is unaffected, retrying",
        );
      }
      this.joined = false;
      await leadership.stop().catch((error: unknown) => {
        log.warn({ err: error, integration }, "leaving the election failed");
      });
      if (stopping.aborted) return;
      await this.sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)), stopping).catch(() => {});
    }
  }

  private newLeadership(onFatal: (error: Error) => void): PartitionLeadership {
    const election = this.options.election;
    return new PartitionLeadership({
      kafka: election.kafka,
      group: election.group,
      topic: election.topic,
      log: this.options.log,
      sessionTimeoutMs: election.sessionTimeoutMs,
      heartbeatIntervalMs: Math.max(500, Math.floor(election.sessionTimeoutMs / 10)),
      onElected: (term) => {
        this.running = this.running.then(() => this.lead(term.signal));
      },
      onFatal,
    });
  }

  /**
   * One poll now, outside the schedule (tests and operators): loads the checkpoint first if needed.
   *
   * @example
   * const result = await poller.pollOnce(); // result.outcome: "not_modified" | "read"
   */
  async pollOnce(signal: AbortSignal = this.stopping.signal): Promise<PollCycleResult> {
    if (!this.loaded) await this.load();
    return this.cycle(signal);
  }

  private async lead(signal: AbortSignal): Promise<void> {
    const { integration, metrics, log } = this.options;
    const both = AbortSignal.any([signal, this.stopping.signal]);
    if (both.aborted) return;
    metrics.leader.set({ integration }, 1);
    this.options.gaps.clear();
    try {
      await this.loadUntilDone(both);
      while (!both.aborted) {
        try {
          await this.cycle(both);
        } catch (error) {
          if (both.aborted) break;
          log.warn({ err: error, integration }, "poll failed; the next one tries again");
        }
        await this.sleep(
          jitteredDelayMs(this.options.intervalMs, this.options.jitterMs, this.options.random ?? Math.random),
          both,
        );
      }
    } catch (error) {
      if (!both.aborted) log.error({ err: error, integration }, "poller stopped unexpectedly");
    } finally {
      metrics.leader.set({ integration }, 0);
      // Whoever leads next reports the age; a stale series here would mislead an alert.
      this.lastSuccessMs = undefined;
      this.loaded = false;
      this.options.gaps.clear();
    }
  }

  /** The checkpoint must be known before polling: until it is, retry (never start afresh). */
  private async loadUntilDone(signal: AbortSignal): Promise<void> {
    for (let attempt = 1; !this.loaded; attempt++) {
      signal.throwIfAborted();
      try {
        await this.load();
      } catch (error) {
        this.options.log.warn(
          { err: error, integration: this.options.integration, attempt },
          "could not read the poller checkpoint; retrying",
        );
        await this.sleep(Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)), signal);
      }
    }
  }

  private async load(): Promise<void> {
    this.checkpoint = await this.options.store.load(this.key);
    this.lastSuccessMs = this.checkpoint?.lastSuccessAt?.getTime();
    this.loaded = true;
    this.options.log.info(
      {
        integration: this.options.integration,
        highWaterMark: this.checkpoint?.highWaterMark,
        lastSuccessAt: this.checkpoint?.lastSuccessAt,
      },
      this.checkpoint ? "poller resumes from its checkpoint" : "poller starts without a checkpoint",
    );
  }

  private async cycle(signal: AbortSignal): Promise<PollCycleResult> {
    const { integration, metrics, log, gaps, recent } = this.options;
    let outcome: PollOutcome = "failed";
    try {
      const result = await runPollCycle(
        {
          client: this.options.client,
          publisher: this.options.publisher,
          store: this.options.store,
          key: this.key,
          clock: this.options.clock,
          overlapMs: this.options.overlapMs,
          startDate: this.options.startDate,
          pageSize: this.options.pageSize,
        },
        this.checkpoint,
        signal,
      );
      outcome = result.outcome;
      this.checkpoint = result.checkpoint;
      this.lastSuccessMs = this.options.clock.nowMs();
      const recovered = [
        ...(result.outcome === "read" ? result.totals.recovered : []),
        ...gaps.settle((id) => recent.has(id)),
      ];
      for (const id of recovered) {
        // Counted once; later reads of the overlap see it as stored.
        await recent.storeOnce(id, async () => {});
      }
      if (recovered.length > 0) {
        metrics.recovered.inc({ integration }, recovered.length);
        log.warn(
          { integration, count: recovered.length, eventLogIds: recovered },
          "poller recovered events the webhook never delivered",
        );
      }
      if (result.outcome === "read") {
        const { totals } = result;
        log.info(
          {
            integration,
            startDate: result.startDate,
            pages: totals.pages,
            produced: totals.produced,
            duplicates: totals.duplicates,
            rejected: totals.rejected,
            highWaterMark: totals.highWaterMark,
          },
          "poll read",
        );
      }
      return result;
    } catch (error) {
      if (error instanceof ParakeyPagingError) {
        metrics.pagingViolations.inc({ integration, reason: error.reason });
        log.error(
          { err: error, integration, reason: error.reason },
          "poll stopped: Parakey's pages cannot prove the window was read completely; nothing past what was proven is checkpointed, the next poll reads the window again",
        );
      }
      throw error;
    } finally {
      metrics.cycles.inc({ integration, outcome });
    }
  }
}

/** Resolves (with nothing) once `signal` aborts. */
function aborted(signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(undefined);
    else signal.addEventListener("abort", () => resolve(undefined), { once: true });
  });
}
