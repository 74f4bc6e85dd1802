import { type Clock, systemClock } from "@parakey-bridge/service-kit";
import { type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.js";
import { ParakeyApiError } from "./errors.js";
import { type EventLogItem, eventLogItemOf, eventLogListOf } from "./event-log-items.js";
import { type EventLogsQuery, eventLogsSearchParams } from "./paging.js";
import {
  getWithRetry,
  type HttpAnswer,
  type RetryInfo,
  type RetryPolicy,
  realSleep,
  type Sleep,
} from "./retrying-request.js";
import { readEventLogWindow, type WindowPage } from "./window-reader.js";

/** Parakey's production API. */
export const PARAKEY_API_URL = "https://api.parakey.co";

export interface ParakeyClientOptions {
  /** Sent as the `access-token` header. Never logged. */
  token: string;
  /** Default {@link PARAKEY_API_URL}; the simulator's URL in tests. */
  baseUrl?: string;
  /** Budget of one HTTP attempt, body included. Default 10 s. */
  timeoutMs?: number;
  /** Requests per call, the first included. Default 5. */
  maxAttempts?: number;
  /** Backoff for 5xx, timeouts and network errors (and 429 without Retry-After). */
  backoff?: BackoffOptions;
  /** A Retry-After longer than this gives up at once with a retryable error. Default 2 min. */
  maxRetryAfterMs?: number;
  /** Called before each retry, e.g. to log or count it. */
  onRetry?: (retry: RetryInfo) => void;
  userAgent?: string;
  /** Injected for tests; global `fetch` by default. */
  fetch?: typeof fetch;
  /** Injected for tests; a real timer by default. */
  sleep?: Sleep;
  /** Reads Retry-After dates and stamps `receivedAt`. */
  clock?: Clock;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

export interface RequestOptions {
  /** The ETag of the previous answer to the same request: an unchanged result answers `not_modified`. */
  ifNoneMatch?: string;
  signal?: AbortSignal;
}

/** 304: nothing changed since the ETag that was sent. */
export interface NotModified {
  status: "not_modified";
  etag: string;
}

/** One page of `GET /eventLogs`. */
export interface EventLogPage {
  status: "ok";
  /** Save it and send it as `ifNoneMatch` next time. */
  etag: string | undefined;
  items: EventLogItem[];
  /** The query this page answered. */
  query: EventLogsQuery;
  /** HTTP requests it took (retries included). */
  attempts: number;
}

export type EventLogResult =
  | { status: "ok"; etag: string | undefined; item: EventLogItem }
  | NotModified
  | { status: "not_found"; id: string };

export interface ReadOptions {
  /** Items per request (the `limit` asked for; the server may return fewer). Default 100. */
  pageSize?: number;
  /** Only event logs with `createdAt < until`; unbounded when absent. */
  until?: Date;
  signal?: AbortSignal;
}

export interface ParakeyClient {
  /**
   * `GET /eventLogs` once (with retries): a page, or `not_modified` when `ifNoneMatch` still matches.
   *
   * @example
   * const check = await client.listEventLogs({ limit: 1 }, { ifNoneMatch: lastETag });
   * if (check.status === "not_modified") return; // nothing new
   * lastETag = check.etag;
   */
  listEventLogs(query?: EventLogsQuery, options?: RequestOptions): Promise<EventLogPage | NotModified>;

  /**
   * `GET /eventLogs/:id`.
   *
   * @example
   * const result = await client.getEventLog("el_123");
   * if (result.status === "ok" && result.item.ok) produce(result.item.event);
   */
  getEventLog(id: string, options?: RequestOptions): Promise<EventLogResult>;

  /**
   * Every event log with `from <= createdAt < until`, page by page, each page checked against what
   * Parakey's server may or may not do (see `readEventLogWindow`). Pages are yielded as they arrive
   * with what they prove (`completeBelow`, `complete`), so the caller can checkpoint exactly that.
   * Throws `ParakeyPagingError` when the answers cannot prove the window complete.
   *
   * @example
   * for await (const page of client.readWindow(highWaterMark, { pageSize: 200 })) {
   *   await publish(page.items);
   *   if (page.completeBelow) await checkpoint(page.completeBelow);
   * }
   */
  readWindow(from: Date, options?: ReadOptions): AsyncGenerator<WindowPage, void, undefined>;
}

/**
 * A client for Parakey's event-log API. Calls retry on their own (429 with Retry-After, 5xx,
 * timeouts, network errors) and throw a {@link ParakeyApiError} with `retryable` when they give up.
 * A malformed event log in a page is a rejected item, never an error for the page.
 *
 * @example
 * const client = createParakeyClient({ token: config.parakeyToken });
 * for await (const page of client.readWindow(new Date(Date.now() - 3_600_000))) {
 *   for (const item of page.items) if (item.ok) produce(item.event); else deadLetter(item);
 * }
 */
export function createParakeyClient(options: ParakeyClientOptions): ParakeyClient {
  const baseUrl = (options.baseUrl ?? PARAKEY_API_URL).replace(/\/+$/, "");
  const clock = options.clock ?? systemClock;
  const policy: RetryPolicy = {
    fetch: options.fetch ?? globalThis.fetch,
    sleep: options.sleep ?? realSleep,
    clock,
    random: options.random ?? Math.random,
    timeoutMs: options.timeoutMs ?? 10_000,
    maxAttempts: Math.max(1, options.maxAttempts ?? 5),
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };

  // The server returns at least this many items when it holds them: a shorter page is its last.
  let largestPageSeen = 0;

  const get = (path: string, params: URLSearchParams | undefined, request: RequestOptions) => {
    const url = new URL(`${baseUrl}${path}`);
    if (params) url.search = params.toString();
    const headers: Record<string, string> = {
      "access-token": options.token,
      accept: "application/json",
      "user-agent": options.userAgent ?? "parakey-bridge",
    };
    if (request.ifNoneMatch !== undefined) headers["if-none-match"] = request.ifNoneMatch;
    return getWithRetry(url, headers, policy, request.signal);
  };

  const listEventLogs = async (
    query: EventLogsQuery = {},
    request: RequestOptions = {},
  ): Promise<EventLogPage | NotModified> => {
    const answer = await get("/eventLogs", eventLogsSearchParams(query), request);
    if (answer.status === 304) return notModified(answer, request);
    expectOk(answer);
    const list = eventLogListOf(parseJson(answer));
    if (list === undefined) {
      throw badResponse(answer, "the body of GET /eventLogs is neither a JSON array nor { data: [...] }");
    }
    const receivedAt = clock.now();
    largestPageSeen = Math.max(largestPageSeen, list.length);
    return {
      status: "ok",
      etag: answer.headers.get("etag") ?? undefined,
      items: list.map((raw) => eventLogItemOf(raw, receivedAt)),
      query,
      attempts: answer.attempts,
    };
  };

  const getEventLog = async (id: string, request: RequestOptions = {}): Promise<EventLogResult> => {
    const answer = await get(`/eventLogs/${encodeURIComponent(id)}`, undefined, request);
    if (answer.status === 304) return notModified(answer, request);
    if (answer.status === 404) return { status: "not_found", id };
    expectOk(answer);
    return {
      status: "ok",
      etag: answer.headers.get("etag") ?? undefined,
      item: eventLogItemOf(parseJson(answer), clock.now()),
    };
  };

  const readWindow = (from: Date, read: ReadOptions = {}) =>
    readEventLogWindow(
      {
        list: async (query, signal) => {
          const page = await listEventLogs(query, signal ? { signal } : {});
          // No If-None-Match was sent, so a 304 here would be Parakey breaking HTTP.
          if (page.status !== "ok") {
            throw new ParakeyApiError("parakey_bad_response", "304 to a request without If-None-Match", {
              attempts: 1,
              upstreamStatus: 304,
            });
          }
          return page.items;
        },
        largestPageSeen: () => largestPageSeen,
      },
      { from, until: read.until, pageSize: read.pageSize ?? 100, signal: read.signal },
    );

  return { listEventLogs, getEventLog, readWindow };
}

function notModified(answer: HttpAnswer, request: RequestOptions): NotModified {
  // A 304 should repeat the ETag; when it does not, the one we sent is by definition still current.
  return { status: "not_modified", etag: answer.headers.get("etag") ?? request.ifNoneMatch ?? "" };
}

function expectOk(answer: HttpAnswer): void {
  if (answer.status >= 200 && answer.status < 300) return;
  const details = { attempts: answer.attempts, upstreamStatus: answer.status };
  if (answer.status === 401 || answer.status === 403) {
    throw new ParakeyApiError(
      "parakey_unauthorized",
      `Parakey refused the access token (${answer.status})`,
      details,
    );
  }
  throw new ParakeyApiError("parakey_request_rejected", `Parakey answered ${answer.status}`, details);
}

function parseJson(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.body);
  } catch (error) {
    throw badResponse(answer, "the body is not JSON", error);
  }
}

function badResponse(answer: HttpAnswer, message: string, cause?: unknown): ParakeyApiError {
  return new ParakeyApiError("parakey_bad_response", message, {
    attempts: answer.attempts,
    upstreamStatus: answer.status,
    cause,
  });
}
