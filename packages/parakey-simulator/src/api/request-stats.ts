import type { MiddlewareHandler } from "hono";

/** The API routes Parakey serves; request counts are kept per route. */
export type ApiRoute = "GET /eventLogs" | "GET /eventLogs/:id" | "other";

/** One request to Parakey's API, as recorded for tests (never the token). */
export interface RecordedRequest {
  route: ApiRoute;
  path: string;
  query: string;
  ifNoneMatch: string | undefined;
  status: number;
}

export interface ApiStatsSnapshot {
  total: number;
  byRoute: Partial<Record<ApiRoute, number>>;
  byStatus: Record<string, number>;
  /** The most recent requests, oldest first (bounded). */
  recent: RecordedRequest[];
}

/**
 * Counts requests to Parakey's API, so tests can assert "exactly one HTTP request was made" or
 * "the 304 was answered".
 *
 * @example
 * const before = stats.snapshot().total;
 * await client.listEventLogs({ limit: 1 }, { ifNoneMatch });
 * expect(stats.snapshot().total - before).toBe(1);
 */
export class RequestStats {
  private total = 0;
  private byRoute: Partial<Record<ApiRoute, number>> = {};
  private byStatus: Record<string, number> = {};
  private recent: RecordedRequest[] = [];

  constructor(private readonly keepRecent = 200) {}

  record(request: RecordedRequest): void {
    this.total += 1;
    this.byRoute[request.route] = (this.byRoute[request.route] ?? 0) + 1;
    const status = String(request.status);
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    this.recent.push(request);
    if (this.recent.length > this.keepRecent) this.recent.shift();
  }

  snapshot(): ApiStatsSnapshot {
    return {
      total: this.total,
      byRoute: { ...this.byRoute },
      byStatus: { ...this.byStatus },
      recent: [...this.recent],
    };
  }

  reset(): void {
    this.total = 0;
    this.byRoute = {};
    this.byStatus = {};
    this.recent = [];
  }
}

function routeOf(path: string): ApiRoute {
  if (path === "/eventLogs") return "GET /eventLogs";
  if (path.startsWith("/eventLogs/")) return "GET /eventLogs/:id";
  return "other";
}

/**
 * Records every request with the status it was finally answered with (faults and 401s included).
 *
 * @example
 * app.use("*", recordRequests(stats));
 */
export function recordRequests(stats: RequestStats): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const url = new URL(c.req.url);
    stats.record({
      route: c.req.method === "GET" ? routeOf(url.pathname) : "other",
      path: url.pathname,
      query: url.search,
      ifNoneMatch: c.req.header("if-none-match"),
      status: c.res.status,
    });
  };
}
