import { parseInstant } from "@parakey-bridge/contracts";
import { ParakeyApiError } from "./errors.js";
import type { EventLogItem } from "./event-log-items.js";
import type { EventLogsQuery } from "./paging.js";

/**
 * Why a read of `GET /eventLogs` stopped without claiming the window complete. Stable values: a
 * metric label.
 * - `order_broken`: a page is not sorted the way it claims (neither newest nor oldest first).
 * - `outside_window`: a page holds an event log older than the `startDate` asked for.
 * - `continuation_gap`: the next page does not reach back to where the previous one ended (items
 *   may have been skipped between them).
 * - `repeated_page`: the next page brings nothing older than the previous one: the server ignores
 *   `offset` (and `orderBy=createdAt:ASC`), so more than one page cannot be read.
 * - `tie_exceeds_page`: more event logs share one `createdAt` than a page returns.
 */
export const PAGING_VIOLATION_REASONS = [
  "order_broken",
  "outside_window",
  "continuation_gap",
  "repeated_page",
  "tie_exceeds_page",
] as const;
export type PagingViolationReason = (typeof PAGING_VIOLATION_REASONS)[number];

/**
 * A read of the event-log window stopped because what Parakey answered cannot prove the window was
 * read completely. Nothing past what was proven may be checkpointed; the next read tries again.
 *
 * @example
 * catch (error) { if (error instanceof ParakeyPagingError) metrics.inc({ reason: error.reason }); }
 */
export class ParakeyPagingError extends ParakeyApiError {
  readonly reason: PagingViolationReason;

  constructor(reason: PagingViolationReason, message: string) {
    super("parakey_paging_violation", message, { attempts: 1 });
    this.name = "ParakeyPagingError";
    this.reason = reason;
  }
}

/** One page of a window read (see `readEventLogWindow`). */
export interface WindowPage {
  /** Event logs of the window not yielded before in this read (an item without `createdAt` too). */
  items: EventLogItem[];
  /**
   * Every event log with `from <= createdAt < completeBelow` has been yielded by now (this page or
   * an earlier one). `undefined` while nothing is proven (reading newest first proves nothing until
   * the end). The value to checkpoint mid-read.
   */
  completeBelow: Date | undefined;
  /** The last page: every event log of the window (`from <= createdAt < until`) has been yielded. */
  complete: boolean;
  /** How the read pages: `single` (one page held it all), `ascending` or `offset`. */
  mode: "single" | "ascending" | "offset";
}

/** What a window read needs from the client: one `GET /eventLogs`, and the largest page seen. */
export interface PageSource {
  list(query: EventLogsQuery, signal: AbortSignal | undefined): Promise<EventLogItem[]>;
  /** The most items any answer returned: the server returns at least that many when it has them. */
  largestPageSeen(): number;
}

export interface WindowReadOptions {
  /** `createdAt >= from`. */
  from: Date;
  /** `createdAt < until`; unbounded when absent. */
  until?: Date | undefined;
  /** The `limit` asked for. */
  pageSize: number;
  /**
   * The largest `limit` a read asks for when more event logs share one `createdAt` than a page
   * holds (it doubles the limit up to this). Default the larger of `pageSize` and 1 000.
   */
  maxPageSize?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * The `createdAt` of an item of a page: the normalized one, or, for an item that could not be
 * normalized, whatever readable `createdAt` it carries (undefined when none).
 *
 * @example
 * createdAtOf(page.items[0]); // Date | undefined
 */
export function createdAtOf(item: EventLogItem): Date | undefined {
  if (item.ok) return new Date(item.event.recordedAt);
  const raw = item.raw;
  if (typeof raw !== "object" || raw === null || !("createdAt" in raw)) return undefined;
  return parseInstant(raw.createdAt);
}

interface Page {
  items: EventLogItem[];
  /** `createdAt` in ms of the items that have one, in page order. */
  times: number[];
}

const DESC = "createdAt:DESC" as const;
const ASC = "createdAt:ASC" as const;

/**
 * Reads every event log with `from <= createdAt < until` and proves it did, whatever Parakey's
 * server does with what it does not document (see the paging assumption in `paging.ts`). Only
 * `startDate` with newest-first order is relied on; everything else is tried and checked:
 *
 * 1. `startDate = from − 1 ms` (so an exclusive `startDate` still includes `from`), newest first.
 *    A page shorter than both the `limit` and the largest page the server ever returned is the whole
 *    window. A short page that is not provably short (the server may cap `limit` there) is checked
 *    against the newest page of all history (no `startDate`): if that one is longer, the server
 *    does not cap there. (When the whole history fits in the window and is shorter than a page, the
 *    two cannot be told apart from a cap with the documented parameters alone: then the read needs
 *    a second page, as below.)
 * 2. More than one page: oldest first (`orderBy=createdAt:ASC`) with `startDate` as the cursor
 *    (the next page starts at the last page's newest `createdAt`, inclusive: event logs sharing it
 *    are read again and deduped by id, whatever their order). Used only when the answer is really
 *    oldest first; then each page proves everything below its newest `createdAt` (`completeBelow`).
 * 3. Otherwise newest first with `offset`, each page starting at the last item of the previous page
 *    that is newer than that page's oldest `createdAt`, so the boundary's ties are read whole. A
 *    page that does not reach back to that item stops the read (`continuation_gap`). A page that
 *    brings nothing older (the server ignores `offset`, or a boundary's ties fill it) is asked again
 *    with a doubled `limit` from the same place: every page is a slice of the newest-first window,
 *    so a server that ignores `offset` is still read completely while `limit` grows; when it cannot
 *    grow (capped, or `maxPageSize`) the read stops (`repeated_page`, `tie_exceeds_page`). Nothing
 *    is proven until the last page.
 *
 * When more event logs share one `createdAt` than a page holds, the limit doubles (up to
 * `maxPageSize`) while the server returns full pages. A violation throws {@link ParakeyPagingError}
 * with nothing claimed past what was proven.
 *
 * @example
 * for await (const page of readEventLogWindow(source, { from, pageSize: 100 })) {
 *   await publish(page.items);
 *   if (page.completeBelow) await checkpoint(page.completeBelow);
 * }
 */
export async function* readEventLogWindow(
  source: PageSource,
  options: WindowReadOptions,
): AsyncGenerator<WindowPage, void, undefined> {
  const { from, until, pageSize, signal } = options;
  const startMs = from.getTime() - 1;
  const startDate = new Date(startMs);
  const yielded = new Set<string>();
  const fresh = (page: Page): EventLogItem[] =>
    page.items.filter((item) => {
      const at = createdAtOf(item)?.getTime();
      if (at !== undefined && (at < from.getTime() || (until !== undefined && at >= until.getTime())))
        return false;
      // Pages overlap where ties are read again: each event log once per read, by id (an item that
      // could not be normalized by the id it carries, if any).
      const id = item.ok ? item.event.eventLogId : item.rejection.eventLogId;
      if (id === undefined) return true;
      if (yielded.has(id)) return false;
      yielded.add(id);
      return true;
    });
  const fetch = async (query: EventLogsQuery): Promise<{ page: Page; capBefore: number }> => {
    const capBefore = source.largestPageSeen();
    signal?.throwIfAborted();
    const items = await source.list(query, signal);
    const times = items.flatMap((item) => {
      const at = createdAtOf(item)?.getTime();
      return at === undefined ? [] : [at];
    });
    if (query.startDate !== undefined && times.some((at) => at < startMs)) {
      throw new ParakeyPagingError(
        "outside_window",
        `GET /eventLogs returned event logs older than startDate ${startDate.toISOString()}`,
      );
    }
    return { page: { items, times }, capBefore };
  };
  // A page shorter than its limit ends the read only if the server has shown it returns more. A
  // short page that is not provably short (the server may cap `limit` right there) is checked
  // against the newest page of all history (no startDate) with the same limit.
  const isLast = async (page: Page, capBefore: number, limit = pageSize): Promise<boolean> => {
    const count = page.items.length;
    if (count >= limit) return false;
    if (count < capBefore) return true;
    const history = await fetch({ orderBy: DESC, limit });
    expectOrder(history.page, "descending");
    return count < source.largestPageSeen();
  };
  const maxPageSize = Math.max(pageSize, options.maxPageSize ?? 1_000);
  // More ties than a page holds: a larger page may hold them, if the server returned a full one.
  const largerLimit = (page: Page, limit: number): number | undefined =>
    page.items.length >= limit && limit < maxPageSize ? Math.min(limit * 2, maxPageSize) : undefined;

  const first = await fetch({ startDate, orderBy: DESC, limit: pageSize });
  expectOrder(first.page, "descending");
  if (await isLast(first.page, first.capBefore)) {
    yield { items: fresh(first.page), completeBelow: until ?? farFuture(), complete: true, mode: "single" };
    return;
  }
  yield { items: fresh(first.page), completeBelow: undefined, complete: false, mode: "single" };

  const ascending = await fetch({ startDate, orderBy: ASC, limit: pageSize });
  if (honoursAscending(ascending.page, first.page)) {
    yield* readAscending(ascending, { fetch, fresh, isLast, largerLimit, startMs, until, pageSize });
  } else {
    yield* readByOffset(first.page, { fetch, fresh, isLast, largerLimit, startDate, pageSize, until });
  }
}

interface ReadKit {
  fetch: (query: EventLogsQuery) => Promise<{ page: Page; capBefore: number }>;
  fresh: (page: Page) => EventLogItem[];
  isLast: (page: Page, capBefore: number, limit: number) => Promise<boolean>;
  largerLimit: (page: Page, limit: number) => number | undefined;
  pageSize: number;
  until: Date | undefined;
}

async function* readAscending(
  firstAnswer: { page: Page; capBefore: number },
  kit: ReadKit & { startMs: number },
): AsyncGenerator<WindowPage, void, undefined> {
  let answer = firstAnswer;
  let cursorMs = kit.startMs;
  let limit = kit.pageSize;
  for (;;) {
    const { page, capBefore } = answer;
    expectOrder(page, "ascending");
    if (await kit.isLast(page, capBefore, limit)) {
      yield {
        items: kit.fresh(page),
        completeBelow: kit.until ?? farFuture(),
        complete: true,
        mode: "ascending",
      };
      return;
    }
    const newest = page.times.at(-1);
    if (newest === undefined || newest <= cursorMs + 1) {
      // The whole page sits at the cursor's createdAt: the next page would start at the same place.
      const larger = kit.largerLimit(page, limit);
      if (larger === undefined) {
        throw new ParakeyPagingError(
          "tie_exceeds_page",
          `more than ${page.items.length} event logs share createdAt ${new Date(cursorMs + 1).toISOString()}`,
        );
      }
      limit = larger;
      answer = await kit.fetch({ startDate: new Date(cursorMs), orderBy: ASC, limit });
      continue;
    }
    const reachedEnd = kit.until !== undefined && newest >= kit.until.getTime();
    yield {
      items: kit.fresh(page),
      completeBelow: reachedEnd ? kit.until : new Date(newest),
      complete: reachedEnd,
      mode: "ascending",
    };
    if (reachedEnd) return;
    // Inclusive of `newest` (and of 1 ms before it, for an exclusive startDate): its ties are read again.
    cursorMs = newest - 1;
    limit = kit.pageSize;
    answer = await kit.fetch({ startDate: new Date(cursorMs), orderBy: ASC, limit });
  }
}

async function* readByOffset(
  firstPage: Page,
  kit: ReadKit & { startDate: Date },
): AsyncGenerator<WindowPage, void, undefined> {
  let previous = firstPage;
  let offset = 0;
  let limit = kit.pageSize;
  // The previous page brought nothing older than the one before: ask for more from the same place.
  let stalled = false;
  for (;;) {
    const oldest = previous.times.at(-1);
    if (oldest === undefined) {
      throw new ParakeyPagingError("order_broken", "a full page of GET /eventLogs without a createdAt");
    }
    const anchor = anchorOf(previous, oldest);
    const grow = stalled || anchor <= 0;
    if (grow) {
      const larger = kit.largerLimit(previous, limit);
      if (larger === undefined) {
        throw stalled && anchor > 0
          ? new ParakeyPagingError(
              "repeated_page",
              `the page at offset ${offset} brings nothing older than the previous one, and a larger limit brings no more: the server ignores offset and orderBy=createdAt:ASC, and caps limit at ${previous.items.length}`,
            )
          : new ParakeyPagingError(
              "tie_exceeds_page",
              `a page of ${previous.items.length} cannot hold the event logs sharing createdAt ${new Date(oldest).toISOString()} and the items around them`,
            );
      }
      limit = larger;
    } else {
      offset += anchor;
    }
    const { page, capBefore } = await kit.fetch({ startDate: kit.startDate, orderBy: DESC, limit, offset });
    expectOrder(page, "descending");
    const newest = page.times[0];
    // The page must reach back to where the previous one ended (above its oldest createdAt when it
    // starts at the anchor), or items between them may have been skipped.
    if (newest === undefined || newest < oldest || (!grow && newest === oldest)) {
      throw new ParakeyPagingError(
        "continuation_gap",
        `the page at offset ${offset} starts below ${new Date(oldest).toISOString()}, where the previous one ended`,
      );
    }
    const last = await kit.isLast(page, capBefore, limit);
    stalled = !last && !page.times.some((at) => at < oldest);
    yield {
      items: kit.fresh(page),
      completeBelow: last ? (kit.until ?? farFuture()) : undefined,
      complete: last,
      mode: "offset",
    };
    if (last) return;
    previous = page;
  }
}

/** The index of the last item newer than `oldest`: where the next page starts (-1: none). */
function anchorOf(page: Page, oldest: number): number {
  for (let i = page.items.length - 1; i >= 0; i--) {
    const at = createdAtOf(page.items[i] as EventLogItem)?.getTime();
    if (at !== undefined && at > oldest) return i;
  }
  return -1;
}

/**
 * Whether an `orderBy=createdAt:ASC` answer really is oldest first: sorted ascending, and starting
 * below the newest-first page's newest item (a server that ignores ASC starts at that item).
 */
function honoursAscending(ascending: Page, newestFirst: Page): boolean {
  const [oldest] = ascending.times;
  const [newest] = newestFirst.times;
  if (oldest === undefined || newest === undefined) return false;
  return isSorted(ascending.times, "ascending") && oldest < newest;
}

function expectOrder(page: Page, order: "ascending" | "descending"): void {
  if (!isSorted(page.times, order)) {
    throw new ParakeyPagingError(
      "order_broken",
      `a page of GET /eventLogs is not sorted ${order} by createdAt`,
    );
  }
}

function isSorted(times: readonly number[], order: "ascending" | "descending"): boolean {
  for (let i = 1; i < times.length; i++) {
    const [a, b] = [times[i - 1] as number, times[i] as number];
    if (order === "ascending" ? a > b : a < b) return false;
  }
  return true;
}

/** "No upper bound" as a date: a complete read of an unbounded window proves everything. */
function farFuture(): Date {
  return new Date(8.64e15);
}
