import { parseInstant } from "@parakey-bridge/contracts";

/**
 * THE PAGING ASSUMPTION — the one place that says how `GET /eventLogs` pages.
 *
 * Parakey documents `limit`, `startDate` and `orderBy=createdAt:ASC|DESC` and says nothing about
 * pagination. Until Parakey publishes more, the client and the simulator both assume:
 *
 * - `startDate` (ISO-8601) keeps event logs with `createdAt >= startDate` (inclusive).
 * - `orderBy` defaults to `createdAt:DESC`: the documented change check `GET /eventLogs?limit=1`
 *   only notices new event logs if the first item is the newest one.
 * - Event logs with the same `createdAt` keep the order Parakey received them in (a stable sort).
 * - `offset` (default 0) skips that many event logs of the ordered result; it is the page cursor.
 * - `limit` caps the page; without it every matching event log is returned (the documented poll loop
 *   reads "each event log" without one).
 * - A page with fewer than `limit` items is the last page.
 *
 * Readers page with `orderBy=createdAt:ASC`: a new event log gets `createdAt` = Parakey's "now" (even a
 * late upload from an offline lock), so it lands after everything already read and never shifts an
 * offset already passed. With DESC every arrival would slide the offsets and a page boundary could
 * skip or repeat items.
 *
 * The simulator serves `GET /eventLogs` with {@link parseEventLogsQuery} and {@link selectEventLogs},
 * so a change here changes both sides.
 */
export type EventLogOrder = "createdAt:ASC" | "createdAt:DESC";

/** The order Parakey is assumed to use when `orderBy` is absent. */
export const DEFAULT_EVENT_LOG_ORDER: EventLogOrder = "createdAt:DESC";

/** The order readers page in (see the assumption above for why). */
export const PAGING_ORDER: EventLogOrder = "createdAt:ASC";

/** Query parameters of `GET /eventLogs`. */
export interface EventLogsQuery {
  /** Only event logs with `createdAt >= startDate`. */
  startDate?: Date;
  orderBy?: EventLogOrder;
  /** Page size; absent means "all". */
  limit?: number;
  /** How many event logs of the ordered result to skip. */
  offset?: number;
}

/**
 * The URL query string for an event-log query. Parameters left out are not sent, so Parakey's
 * defaults apply.
 *
 * @example
 * eventLogsSearchParams({ startDate: new Date("2026-11-23T08:00:00Z"), limit: 100, offset: 200 }).toString();
 * // "startDate=2026-11-23T08%3A00%3A00.000Z&limit=100&offset=200"
 */
export function eventLogsSearchParams(query: EventLogsQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.startDate !== undefined) params.set("startDate", query.startDate.toISOString());
  if (query.orderBy !== undefined) params.set("orderBy", query.orderBy);
  if (query.limit !== undefined) params.set("limit", String(query.limit));
  // offset=0 is the default; leaving it out keeps the first page's URL (and its ETag) the plain one.
  if (query.offset !== undefined && query.offset > 0) params.set("offset", String(query.offset));
  return params;
}

/** A query as the server reads it: defaults filled in. */
export interface ResolvedEventLogsQuery {
  startDate: Date | undefined;
  orderBy: EventLogOrder;
  limit: number | undefined;
  offset: number;
}

export type ParsedEventLogsQuery =
  | { ok: true; query: ResolvedEventLogsQuery }
  | { ok: false; parameter: string; detail: string };

const NON_NEGATIVE_INTEGER = /^\d+$/;

/**
 * Reads the query string of `GET /eventLogs` the way Parakey is assumed to (used by the simulator).
 *
 * @example
 * const parsed = parseEventLogsQuery(new URL(request.url).searchParams);
 * if (!parsed.ok) return badRequest(parsed.detail);
 */
export function parseEventLogsQuery(params: URLSearchParams): ParsedEventLogsQuery {
  const rawStart = params.get("startDate");
  let startDate: Date | undefined;
  if (rawStart !== null) {
    startDate = parseInstant(rawStart);
    if (startDate === undefined) {
      return {
        ok: false,
        parameter: "startDate",
        detail: "startDate must be an ISO-8601 instant with a zone",
      };
    }
  }
  const rawOrder = params.get("orderBy") ?? DEFAULT_EVENT_LOG_ORDER;
  if (rawOrder !== "createdAt:ASC" && rawOrder !== "createdAt:DESC") {
    return { ok: false, parameter: "orderBy", detail: "orderBy must be createdAt:ASC or createdAt:DESC" };
  }
  const rawLimit = params.get("limit");
  if (rawLimit !== null && (!NON_NEGATIVE_INTEGER.test(rawLimit) || Number(rawLimit) < 1)) {
    return { ok: false, parameter: "limit", detail: "limit must be a positive integer" };
  }
  const rawOffset = params.get("offset");
  if (rawOffset !== null && !NON_NEGATIVE_INTEGER.test(rawOffset)) {
    return { ok: false, parameter: "offset", detail: "offset must be a non-negative integer" };
  }
  return {
    ok: true,
    query: {
      startDate,
      orderBy: rawOrder,
      limit: rawLimit === null ? undefined : Number(rawLimit),
      offset: rawOffset === null ? 0 : Number(rawOffset),
    },
  };
}

/**
 * Applies a query to event logs held in the order they were received: filter on `createdAt`, stable
 * sort, skip `offset`, take `limit` (used by the simulator).
 *
 * @example
 * const page = selectEventLogs(storedInArrivalOrder, parsed.query, (stored) => stored.createdAtMs);
 */
export function selectEventLogs<T>(
  inArrivalOrder: readonly T[],
  query: ResolvedEventLogsQuery,
  createdAtMsOf: (item: T) => number,
): T[] {
  const from = query.startDate?.getTime();
  const matching = inArrivalOrder.filter((item) => from === undefined || createdAtMsOf(item) >= from);
  // Array.prototype.sort is stable: equal createdAt keep their arrival order.
  const direction = query.orderBy === "createdAt:ASC" ? 1 : -1;
  matching.sort((a, b) => direction * (createdAtMsOf(a) - createdAtMsOf(b)));
  const end = query.limit === undefined ? undefined : query.offset + query.limit;
  return matching.slice(query.offset, end);
}

/**
 * The query for the page after one that held `itemCount` items, or `undefined` when that page was
 * the last (shorter than its `limit`, or unlimited).
 *
 * @example
 * let query: EventLogsQuery | undefined = { startDate, orderBy: PAGING_ORDER, limit: 100 };
 * while (query) { const items = await fetchPage(query); query = nextPageQuery(query, items.length); }
 */
export function nextPageQuery(query: EventLogsQuery, itemCount: number): EventLogsQuery | undefined {
  if (query.limit === undefined || itemCount < query.limit) return undefined;
  return { ...query, offset: (query.offset ?? 0) + itemCount };
}
