import type { ParakeyClient } from "@parakey-bridge/parakey-client";
import { createdAtOf, nextHighWaterMark } from "./poll-window.js";
import type { EventLogPublisher, PageOutcome } from "./publisher.js";

export interface ReadTotals {
  pages: number;
  /** Items read (including those past `until`, which are not produced). */
  items: number;
  produced: number;
  duplicates: number;
  rejected: number;
  filtered: number;
  recovered: string[];
  /** The largest `createdAt` among what was produced, or the one passed in when nothing was newer. */
  highWaterMark: Date | undefined;
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
   * Called after each page's records were acknowledged by Kafka, with the high-water mark so far:
   * the moment to checkpoint progress. Reading goes on once it resolves.
   */
  onPage?: (totals: ReadTotals) => Promise<void>;
}

/**
 * Reads every event log from `from` page by page (oldest `createdAt` first: the paging assumption
 * in @parakey-bridge/parakey-client) until exhausted or past `until`, and publishes each page before
 * fetching the next, so memory stays at one page and a checkpoint after a page covers everything
 * before it. Shared by the poller and the backfill command.
 *
 * @example
 * const totals = await readAndPublish({ client, publisher, from, pageSize: 100, highWaterMark, signal });
 */
export async function readAndPublish(options: ReadAndPublishOptions): Promise<ReadTotals> {
  const { client, publisher, until, signal } = options;
  const totals: ReadTotals = {
    pages: 0,
    items: 0,
    produced: 0,
    duplicates: 0,
    rejected: 0,
    filtered: 0,
    recovered: [],
    highWaterMark: options.highWaterMark,
  };
  for await (const page of client.readEventLogsSince(options.from, { pageSize: options.pageSize, signal })) {
    signal.throwIfAborted();
    totals.pages += 1;
    totals.items += page.items.length;
    let pastEnd = false;
    const wanted = page.items.filter((item) => {
      const createdAt = createdAtOf(item);
      const inRange = until === undefined || createdAt === undefined || createdAt < until;
      if (!inRange) pastEnd = true;
      return inRange;
    });
    const outcome = await publisher.publish(wanted);
    add(totals, outcome);
    const seen = wanted.flatMap((item) => {
      const createdAt = createdAtOf(item);
      return createdAt ? [createdAt] : [];
    });
    totals.highWaterMark = nextHighWaterMark(totals.highWaterMark, seen);
    signal.throwIfAborted();
    await options.onPage?.(totals);
    // Pages run oldest first: once one reaches past the end, every later one lies beyond it too.
    if (pastEnd) break;
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
