import { createdAtOf, type ParakeyClient, type WindowPage } from "@parakey-bridge/parakey-client";
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

/** Pages handed to the producer and not yet acknowledged, at most (memory: this many pages and one read ahead). */
export const PAGES_IN_FLIGHT = 4;

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
   * Called with what is proven once a page's records were acknowledged by Kafka: the moment to
   * checkpoint progress. Calls come in page order and one at a time; pages acknowledged while one runs
   * are passed on together in the next call (only the latest proven bound matters to a checkpoint).
   * Reading and producing go on meanwhile; a call that rejects stops the read.
   */
  onPage?: (totals: ReadTotals) => Promise<void>;
}

/**
 * Reads every event log of `[from, until)` with the client's verified paging (`readWindow`: each
 * page checked, `ParakeyPagingError` when the answers cannot prove the window complete) and keeps
 * the producer fed: while Kafka acknowledges a page, the next pages are read and handed to the
 * producer too (up to `PAGES_IN_FLIGHT`), so the waits for Parakey, for Kafka and for the checkpoint
 * overlap and the producer sends several pages per request. Pages are handed over in read order, so
 * records keep the order of the pages. What a page proves (`completeBelow`, `complete`) is passed on
 * only once Kafka acknowledged it and every page before it, so a checkpoint never claims more than
 * was produced. Shared by the poller and the backfill command.
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
  const progress = new LatestProgress(options.onPage);
  const inFlight: PageInFlight[] = [];
  /** Folds the oldest page into the totals once Kafka acknowledged it (throws when it was not). */
  const takeOldest = async () => {
    const oldest = inFlight[0];
    if (!oldest) return;
    const outcome = await oldest.outcome;
    inFlight.shift();
    add(totals, outcome);
    const seen = oldest.page.items.flatMap((item) => {
      const createdAt = createdAtOf(item);
      return createdAt ? [createdAt] : [];
    });
    totals.highWaterMark = nextHighWaterMark(totals.highWaterMark, seen);
    totals.completeBelow = oldest.page.completeBelow ?? totals.completeBelow;
    totals.complete = oldest.page.complete;
    progress.offer(totals);
  };
  const read = client.readWindow(options.from, {
    pageSize: options.pageSize,
    signal,
    ...(options.until === undefined ? {} : { until: options.until }),
  });
  const pages = read[Symbol.asyncIterator]();
  let finished = false;
  try {
    let ahead = pages.next();
    for (;;) {
      const result = await ahead;
      if (result.done) {
        finished = true;
        break;
      }
      signal.throwIfAborted();
      progress.throwIfFailed();
      // Read ahead while this page is produced. Its failure is taken when it is awaited above;
      // until then it must not count as unhandled.
      ahead = pages.next();
      ahead.catch(() => undefined);
      totals.pages += 1;
      totals.items += result.value.items.length;
      inFlight.push(pageInFlight(result.value, publisher.publish(result.value.items)));
      while (inFlight[0]?.settled || inFlight.length >= PAGES_IN_FLIGHT) await takeOldest();
    }
    while (inFlight.length > 0) await takeOldest();
    signal.throwIfAborted();
    await progress.drain();
  } finally {
    // Stopped early (Kafka failed, aborted): let what was handed over settle, and close the read
    // once the page ahead settled, so nothing of this read runs on behind the caller's back.
    if (!finished) await pages.return?.(undefined).catch(() => undefined);
    await Promise.allSettled([...inFlight.map((page) => page.outcome), progress.idle()]);
  }
  return totals;
}

/** A page handed to the producer; `settled` once Kafka answered for every record of it. */
interface PageInFlight {
  page: WindowPage;
  outcome: Promise<PageOutcome>;
  settled: boolean;
}

function pageInFlight(page: WindowPage, outcome: Promise<PageOutcome>): PageInFlight {
  const entry: PageInFlight = { page, outcome, settled: false };
  const settle = () => {
    entry.settled = true;
  };
  // Also keeps a failure that is taken later (in page order) from counting as unhandled.
  outcome.then(settle, settle);
  return entry;
}

/**
 * Runs `onPage` one call at a time with the latest totals: totals offered while a call runs wait,
 * and only the newest of them is passed on. A failed call stops the read at the next page.
 */
class LatestProgress {
  private running: Promise<void> | undefined;
  private pending: ReadTotals | undefined;
  private failed: { error: unknown } | undefined;

  constructor(private readonly onPage: ((totals: ReadTotals) => Promise<void>) | undefined) {}

  offer(totals: ReadTotals): void {
    if (!this.onPage) return;
    this.throwIfFailed();
    // A copy: the totals go on changing while the call runs.
    this.pending = { ...totals, recovered: [...totals.recovered] };
    this.running ??= this.run(this.onPage);
  }

  throwIfFailed(): void {
    if (this.failed) throw this.failed.error;
  }

  /** Resolves once every offered total was passed on; rejects with a failed call's error. */
  async drain(): Promise<void> {
    await this.running;
    this.throwIfFailed();
  }

  /** Resolves once no call runs (never rejects). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async run(onPage: (totals: ReadTotals) => Promise<void>): Promise<void> {
    try {
      for (let next = this.pending; next !== undefined && !this.failed; next = this.pending) {
        this.pending = undefined;
        await onPage(next);
      }
    } catch (error) {
      this.failed = { error };
    } finally {
      this.running = undefined;
    }
  }
}

function add(totals: ReadTotals, page: PageOutcome): void {
  totals.produced += page.produced;
  totals.duplicates += page.duplicates;
  totals.rejected += page.rejected;
  totals.filtered += page.filtered;
  totals.recovered.push(...page.recovered);
}
