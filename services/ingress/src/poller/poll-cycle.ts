import type { ParakeyClient } from "@parakey-bridge/parakey-client";
import type { Clock } from "@parakey-bridge/service-kit";
import type { PollerCheckpoint } from "./checkpoint.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { pollStartDate, trustsChangeCheck } from "./poll-window.js";
import type { EventLogPublisher } from "./publisher.js";
import { type ReadTotals, readAndPublish } from "./read-and-publish.js";

export interface PollCycleDeps {
  client: ParakeyClient;
  publisher: EventLogPublisher;
  store: CheckpointStore;
  /** The checkpoint key (the integration name). */
  key: string;
  clock: Clock;
  overlapMs: number;
  startDate: Date | undefined;
  pageSize: number;
}

export type PollCycleResult =
  | { outcome: "not_modified"; checkpoint: PollerCheckpoint | undefined }
  | { outcome: "read"; checkpoint: PollerCheckpoint; totals: ReadTotals; startDate: Date };

/**
 * One poll of one integration:
 *
 * 1. `GET /eventLogs?limit=1` with the saved ETag. 304 → done: one request, nothing written.
 * 2. Otherwise read the window from `pollStartDate(checkpoint)` with the client's verified paging,
 *    producing every page before the next is fetched. Mid-read, only what the pages *proved* is
 *    checkpointed (`completeBelow`: reading oldest first proves each page's past; reading newest
 *    first proves nothing until the end), the old ETag kept, so a crash mid-read re-reads.
 * 3. After the whole window was read: checkpoint the ETag from step 1 (taken before the read, so an
 *    event that arrived during the read changes the next check), the high-water mark and the time.
 *
 * Checkpoints are written only after Kafka acknowledged what they account for. Resolves with the
 * new checkpoint; rejects (client, Kafka, abort, or `ParakeyPagingError` when the pages cannot
 * prove the window complete) with nothing past the last saved checkpoint claimed.
 *
 * @example
 * const result = await runPollCycle(deps, checkpoint, signal);
 * checkpoint = result.checkpoint;
 */
export async function runPollCycle(
  deps: PollCycleDeps,
  checkpoint: PollerCheckpoint | undefined,
  signal: AbortSignal,
): Promise<PollCycleResult> {
  const readAt = deps.clock.now();
  const ifNoneMatch = trustsChangeCheck(checkpoint) ? checkpoint?.etag : undefined;
  const check = await deps.client.listEventLogs(
    { limit: 1 },
    ifNoneMatch === undefined ? { signal } : { ifNoneMatch, signal },
  );
  if (check.status === "not_modified") return { outcome: "not_modified", checkpoint };

  const startDate = pollStartDate(checkpoint, {
    overlapMs: deps.overlapMs,
    now: readAt,
    startDate: deps.startDate,
  });
  let saved = checkpoint;
  const totals = await readAndPublish({
    client: deps.client,
    publisher: deps.publisher,
    from: startDate,
    pageSize: deps.pageSize,
    highWaterMark: checkpoint?.highWaterMark,
    signal,
    onPage: async (progress) => {
      // Only a proven bound, below the end: the final checkpoint below covers a complete read.
      const proven = progress.completeBelow;
      if (progress.complete || proven === undefined) return;
      const before = saved?.highWaterMark?.getTime();
      if (before !== undefined && proven.getTime() <= before) return;
      const next: PollerCheckpoint = { ...saved, highWaterMark: proven, readAt };
      await deps.store.save(deps.key, next);
      saved = next;
    },
  });
  signal.throwIfAborted();
  if (!totals.complete) throw new Error("the window read ended without proving it complete");
  const done: PollerCheckpoint = {
    ...(check.etag === undefined ? {} : { etag: check.etag }),
    ...(totals.highWaterMark === undefined ? {} : { highWaterMark: totals.highWaterMark }),
    readAt,
    lastSuccessAt: deps.clock.now(),
  };
  await deps.store.save(deps.key, done);
  return { outcome: "read", checkpoint: done, totals, startDate };
}
