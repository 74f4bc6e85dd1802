import { createdAtOf, type ParakeyClient } from "@parakey-bridge/parakey-client";
import { nextHighWaterMark } from "./poll-window.js";
import type { EventLogPublisher, PageOutcome } from "./publisher.js";

export interface ReadTotals {
  pages: number;
  /** Items of the window read (each once). */
  items: number;
  produced: number;
  duplicates: number;
  rejected: number;
  filtered: number;
  recovered: string[];
  /** The largest `createdAt` among what was produced, or the one passed in when nothing was newer. */
  highWaterMark: Date | undefined;
  /**
   * Every event log with `from <= createdAt < completeBelow` was produced (Kafka acknowledged it).
   * `undefined` while the read has proven nothing yet: the only value a mid-read checkpoint may hold.
   */
  completeBelow: Date | undefined;
  /** The whole window was read and produced. */
  complete: boolean;
}

export interface ReadAndPublishOptions {
  client: ParakeyClient;
  publisher: EventLogPublisher;
  /** `createdAt >= from`. */
  from: Date;
  /** `createdAt < until` (a backfill's end); unbounded when absent. */
  until?: Date;
  pageSize: number;
  highWaterMark: Date | undefined;
  signal: AbortSignal;
  /**
   * Called after each page's records were acknowledged by Kafka, with what is proven so far: the
   * moment to checkpoint progress. Reading goes on once it resolves.
   */
  onPage?: (totals: ReadTotals) => Promise<void>;
}

/**
 * Reads every event log of `[from, until)` with the client's verified paging (`readWindow`: each
 * page checked, `ParakeyPagingError` when the answers cannot prove the window complete) and
 * publishes each page while the next one is read (one page ahead, so memory stays at two pages and
 * the wait for Parakey overlaps the wait for Kafka). What a page proves
 * (`completeBelow`, `complete`) is passed on only once Kafka acknowledged it, so a checkpoint never
 * claims more than was produced. Shared by the poller and the backfill command.
 *
 * @example
 * const totals = await readAndPublish({ client, publisher, from, pageSize: 100, highWaterMark, signal });
 */
export async function readAndPublish(options: ReadAndPublishOptions): Promise<ReadTotals> {
  const { client, publisher, signal } = options;
  const totals: ReadTotals = {
    pages: 0,
    items: 0,
    produced: 0,
    duplicates: 0,
    rejected: 0,
    filtered: 0,
    recovered: [],
    highWaterMark: options.highWaterMark,
    completeBelow: undefined,
    complete: false,
  };
  const read = client.readWindow(options.from, {
    pageSize: options.pageSize,
    signal,
    ...(options.until === undefined ? {} : { until: options.until }),
  });
  const pages = read[Symbol.asyncIterator]();
  let ahead = pages.next();
  let finished = false;
  try {
    for (;;) {
      const result = await ahead;
      if (result.done) {
        finished = true;
        break;
      }
      const page = result.value;
      signal.throwIfAborted();
      // Read ahead by one page while this one is produced and checkpointed. Its failure is taken
      // when it is awaited above, after this page was handled; until then it must not count as
      // unhandled. The checkpoint below still covers only this page.
      ahead = pages.next();
      ahead.catch(() => undefined);
      totals.pages += 1;
      totals.items += page.items.length;
      add(totals, await publisher.publish(page.items));
      const seen = page.items.flatMap((item) => {
        const createdAt = createdAtOf(item);
        return createdAt ? [createdAt] : [];
      });
      totals.highWaterMark = nextHighWaterMark(totals.highWaterMark, seen);
      totals.completeBelow = page.completeBelow ?? totals.completeBelow;
      totals.complete = page.complete;
      signal.throwIfAborted();
      await options.onPage?.(totals);
    }
  } finally {
    // Stopped early (Kafka failed, aborted): close the read once the page ahead settled.
    if (!finished) await pages.return?.(undefined).catch(() => undefined);
  }
  return totals;
}

function add(totals: ReadTotals, page: PageOutcome): void {
  totals.produced += page.produced;
  totals.duplicates += page.duplicates;
  totals.rejected += page.rejected;
  totals.filtered += page.filtered;
  totals.recovered.push(...page.recovered);
}
