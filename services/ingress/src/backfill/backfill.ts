import type { ParakeyClient } from "@parakey-bridge/parakey-client";
import type { Clock } from "@parakey-bridge/service-kit";
import type { Allowlist } from "../allowlist.js";
import { RecentEventIds } from "../dedupe/recent-event-ids.js";
import type { EventSink } from "../event-sink.js";
import type { IngressMetrics } from "../metrics.js";
import { backfillCheckpointKey, type PollerCheckpoint } from "../poller/checkpoint.js";
import type { CheckpointStore } from "../poller/checkpoint-store.js";
import { EventLogPublisher } from "../poller/publisher.js";
import { type ReadTotals, readAndPublish } from "../poller/read-and-publish.js";

/** How far before our clock a still-open range resumes (Parakey's clock may run behind ours). */
const OPEN_RANGE_OVERLAP_MS = 5 * 60_000;

export interface BackfillOptions {
  integration: string;
  /** `createdAt >= from`. */
  from: Date;
  /** `createdAt < to`. */
  to: Date;
  pageSize: number;
  /** Ignore a saved checkpoint (even a finished one) and read the whole range again. */
  restart?: boolean;
  client: ParakeyClient;
  sink: EventSink;
  store: CheckpointStore;
  metrics: IngressMetrics;
  topics: { eventLogs: string; rejected: string };
  allowlist: Allowlist;
  clock: Clock;
  signal: AbortSignal;
  /** After every page Kafka acknowledged (and its progress was checkpointed). */
  onProgress?: (progress: BackfillProgress) => void;
}

export interface BackfillProgress extends ReadTotals {
  /** Where this run started reading (later than `from` when it resumed). */
  startedAt: Date;
}

export type BackfillResult =
  | { status: "already_done"; key: string }
  | { status: "done"; key: string; progress: BackfillProgress }
  /**
   * Everything Parakey holds in the range was produced, but `to` is still ahead of the clock: event
   * logs may yet arrive with `createdAt < to`, so the range is not marked done; run it again later.
   */
  | { status: "open"; key: string; progress: BackfillProgress };

/**
 * Re-reads Parakey's event logs with `from <= createdAt < to` into the event topic, for onboarding a
 * place or repairing an outage. The events are the poller's (`via: "poll"`, same key, headers, dedupe
 * id `ce_id`), so consumers take a repeated one as a duplicate.
 *
 * Resumable: after each page Kafka acknowledged, what the pages proved (`completeBelow`: everything
 * below it produced; only reading oldest first proves anything before the end) is checkpointed on
 * the poller-state topic under `backfill:<integration>:<from>:<to>`; the same command run again
 * starts from there (inclusive, so events sharing that `createdAt` are read again, never skipped).
 * The range is marked done only when the whole of it was read and `to` was already past when the
 * read began; a done range is not read again unless `restart`. A read whose pages cannot prove the
 * range complete throws `ParakeyPagingError` and marks nothing.
 *
 * @example
 * const result = await runBackfill({ integration: "acme", from, to, pageSize: 100, client, sink: producer,
 *   store, metrics, topics, allowlist, clock: systemClock, signal });
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillResult> {
  const key = backfillCheckpointKey(options.integration, options.from, options.to);
  const saved = options.restart ? undefined : await options.store.load(key);
  if (saved?.done) return { status: "already_done", key };
  const resumeAt = saved?.highWaterMark;
  const startedAt = resumeAt && resumeAt > options.from ? resumeAt : options.from;
  // Our clock when the read began: a range ending after it may still receive event logs.
  const readAt = options.clock.now();
  const publisher = new EventLogPublisher({
    sink: options.sink,
    metrics: options.metrics,
    // Skips an event this run meets twice (pages overlap where their createdAt ties are re-read).
    // A resumed run starts with an empty memory, so it may produce the events at its checkpoint again:
    // harmless, consumers dedupe on ce_id.
    recent: new RecentEventIds({ max: 10_000, ttlMs: 24 * 3_600_000, clock: options.clock }),
    topics: options.topics,
    allowlist: options.allowlist,
    integration: options.integration,
    clock: options.clock,
  });
  const totals = await readAndPublish({
    client: options.client,
    publisher,
    from: startedAt,
    until: options.to,
    pageSize: options.pageSize,
    highWaterMark: resumeAt,
    signal: options.signal,
    onPage: async (progress) => {
      const proven = progress.completeBelow;
      if (!progress.complete && proven !== undefined && proven > startedAt) {
        await options.store.save(key, { highWaterMark: proven });
      }
      options.onProgress?.({ ...progress, startedAt });
    },
  });
  if (!totals.complete) throw new Error("the backfill read ended without proving the range complete");
  const progress = { ...totals, startedAt };
  if (options.to > readAt) {
    // Everything up to now was produced; what arrives later is stamped with Parakey's clock at or
    // after the read, so the next run resumes a margin for clock disagreement before our clock then.
    const resume = new Date(Math.max(startedAt.getTime(), readAt.getTime() - OPEN_RANGE_OVERLAP_MS));
    await options.store.save(key, { highWaterMark: resume });
    return { status: "open", key, progress };
  }
  const done: PollerCheckpoint = { done: true, lastSuccessAt: options.clock.now() };
  if (totals.highWaterMark !== undefined) done.highWaterMark = totals.highWaterMark;
  await options.store.save(key, done);
  return { status: "done", key, progress };
}
