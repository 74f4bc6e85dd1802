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
  | { status: "done"; key: string; progress: BackfillProgress };

/**
 * Re-reads Parakey's event logs with `from <= createdAt < to` into the event topic, for onboarding a
 * place or repairing an outage. The events are the poller's (`via: "poll"`, same key, headers, dedupe
 * id `ce_id`), so consumers take a repeated one as a duplicate.
 *
 * Resumable: after each page Kafka acknowledged, the progress (the largest `createdAt` produced) is
 * checkpointed on the poller-state topic under `backfill:<integration>:<from>:<to>`; the same command
 * run again starts from there (inclusive, so events sharing that `createdAt` are read again, never
 * skipped), and a finished range is not read again unless `restart`.
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
  const publisher = new EventLogPublisher({
    sink: options.sink,
    metrics: options.metrics,
    // Skips an event this run meets twice (Parakey's offset paging can shift while it is written to).
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
      if (progress.highWaterMark !== undefined) {
        await options.store.save(key, { highWaterMark: progress.highWaterMark });
      }
      options.onProgress?.({ ...progress, startedAt });
    },
  });
  const done: PollerCheckpoint = { done: true, lastSuccessAt: options.clock.now() };
  if (totals.highWaterMark !== undefined) done.highWaterMark = totals.highWaterMark;
  await options.store.save(key, done);
  return { status: "done", key, progress: { ...totals, startedAt } };
}
