import { parseInstant } from "@parakey-bridge/contracts";

/**
 * THE PAGING ASSUMPTION — the one place that says what `GET /eventLogs` is relied on to do.
 *
 * Parakey documents only `GET /eventLogs?limit=1` (the ETag change check) and
 * `GET /eventLogs?startDate={createdAt}&orderBy=createdAt:DESC`. So the client relies on exactly:
 *
 * - `startDate` (ISO-8601) filters on `createdAt`, inclusive or exclusive: readers ask for 1 ms
 *   before the instant they need, which works either way, and drop what lies below it.
 * - `orderBy` defaults to, and `createdAt:DESC` gives, newest first: the change check only notices
 *   new event logs if the first item is the newest one.
 * - `limit` never returns *more* than asked.
 *
 * Everything else is undocumented and only used once the answers show it works, page by page
 * (`readEventLogWindow` in window-reader.ts): `orderBy=createdAt:ASC` (used as a `startDate` cursor
 * when a page really comes oldest first), `offset` (used newest first when a page really continues
 * the previous one), the largest `limit` honoured (a short page ends a read only when the server has
 * shown it returns more), and the order of event logs sharing one `createdAt` (boundaries are read
 * with their ties whole and deduped by id). What cannot be proven stops the read loudly.
 *
 * The simulator parses requests with {@link parseEventLogsQuery} and {@link selectEventLogs}, and
 * then applies its `PagingBehaviour` switches (each way Parakey might really behave).
 */
export type EventLogOrder = "createdAt:ASC" | "createdAt:DESC";

/** The order Parakey is assumed to use when `orderBy` is absent. */
export const DEFAULT_EVENT_LOG_ORDER: EventLogOrder = "createdAt:DESC";

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
