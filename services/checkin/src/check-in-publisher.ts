import { setTimeout as sleep } from "node:timers/promises";
import { context } from "@opentelemetry/api";
import { checkInHeaders, encodeCheckIn } from "@parakey-bridge/contracts";
import type { BatchingProducer } from "@parakey-bridge/kafka";
import type { Component, HealthCheck } from "@parakey-bridge/service-kit";
import { extractTraceContext, type Logger } from "@parakey-bridge/telemetry";
import type { CheckInStore } from "./check-in-store.js";
import type { CheckInMetrics } from "./metrics.js";

export interface CheckInPublisherOptions {
  store: Pick<CheckInStore, "leaseOutbox" | "deleteOutbox" | "releaseOutbox">;
  producer: Pick<BatchingProducer, "send">;
  topic: string;
  log: Logger;
  metrics: Pick<CheckInMetrics, "published">;
  /** How often the outbox is looked at when nobody called `wake()` (rows left by a crash, failed sends). */
  pollIntervalMs?: number;
  /** Check-ins per round. */
  batch?: number;
  /** How long a round may hold its rows before another replica may take them. */
  leaseMs?: number;
}

/**
 * Drains the check-in outbox into Kafka through the shared BatchingProducer: leases the oldest rows,
 * produces them (keyed by domain, CloudEvents headers, the unlock's trace context), and deletes them
 * once the broker acknowledged. A failure leaves the rows for the next round, so a check-in is never
 * lost; a crash between acknowledgement and delete publishes it again with the same `ce_id`.
 *
 * @example
 * const publisher = new CheckInPublisher({ store, producer, topic: Topics.checkins, log, metrics });
 * lifecycle.add(producer).add(publisher); // stopped before the producer flushes
 */
export class CheckInPublisher implements Component {
  readonly name = "check-in-publisher";
  private readonly pollIntervalMs: number;
  private readonly batch: number;
  private readonly leaseMs: number;
  private stopping = new AbortController();
  private nap: AbortController | undefined;
  private woken = false;
  private loop: Promise<void> | undefined;
  private failing = false;

  /** Liveness only: a publisher that keeps failing is a Kafka problem, which readiness reports. */
  readonly check: HealthCheck = {
    name: this.name,
    live: () => this.loop !== undefined || this.stopping.signal.aborted,
  };

  constructor(private readonly options: CheckInPublisherOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.batch = options.batch ?? 500;
    this.leaseMs = options.leaseMs ?? 30_000;
  }

  async start(): Promise<void> {
    this.stopping = new AbortController();
    this.loop = this.run();
  }

  /** Publishes soon: called after a batch that recorded new check-ins committed. */
  wake(): void {
    this.woken = true;
    this.nap?.abort();
  }

  /**
   * Publishes what is waiting once more (so check-ins recorded by the consumer's last batch leave
   * with this replica), then stops. Runs before the producer's own stop flushes and disconnects.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.nap?.abort();
    await this.loop;
    this.loop = undefined;
    try {
      let published: number;
      do published = await this.publishOnce();
      while (published === this.batch);
    } catch (error) {
      this.options.log.warn(
        { err: error },
        "check-ins left in the outbox at shutdown; published after restart",
      );
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      this.woken = false;
      let published = 0;
      try {
        published = await this.publishOnce();
        if (this.failing) this.options.log.info("publishing check-ins again");
        this.failing = false;
        failures = 0;
      } catch (error) {
        failures += 1;
        if (!this.failing) this.options.log.warn({ err: error }, "could not publish check-ins; will retry");
        this.failing = true;
      }
      if (published === this.batch || (this.woken && failures === 0)) continue;
      const delay =
        failures === 0 ? this.pollIntervalMs : Math.min(30_000, this.pollIntervalMs * 2 ** failures);
      this.nap = new AbortController();
      await sleep(delay, undefined, { signal: this.nap.signal }).catch(() => undefined);
      this.nap = undefined;
    }
  }

  /**
   * One round now: lease, produce, delete. Returns how many check-ins Kafka acknowledged; throws
   * (leaving them in the outbox) when it did not take them.
   */
  async publishOnce(): Promise<number> {
    const entries = await this.options.store.leaseOutbox(this.batch, this.leaseMs);
    if (entries.length === 0) return 0;
    const ids = entries.map((entry) => entry.id);
    try {
      await Promise.all(
        entries.map((entry) =>
          context.with(extractTraceContext(entry.traceHeaders), () =>
            this.options.producer.send({
              topic: this.options.topic,
              key: entry.checkIn.domainId,
              value: encodeCheckIn(entry.checkIn),
              headers: checkInHeaders(entry.checkIn),
            }),
          ),
        ),
      );
    } catch (error) {
      await this.options.store.releaseOutbox(ids).catch((releaseError: unknown) => {
        this.options.log.debug({ err: releaseError }, "could not release the outbox lease; it expires");
      });
      throw error;
    }
    await this.options.store.deleteOutbox(ids);
    this.options.metrics.published.inc(entries.length);
    return entries.length;
  }
}
