import { parseEventLogsQuery } from "@parakey-bridge/parakey-client";
import { type Context, Hono } from "hono";
import type { EventLogStore } from "../store/event-log-store.js";
import { etagOf, ifNoneMatchMatches } from "./etag.js";
import { parakeyError } from "./parakey-error.js";

/**
 * `GET /eventLogs` and `GET /eventLogs/:id`, as Parakey serves them: a JSON array (or object) with an
 * ETag of exactly that body, and 304 Not Modified when `If-None-Match` still matches. Query
 * parameters follow the paging assumption shared with the client.
 *
 * @example
 * app.route("/", eventLogsRoutes(store));
 */
export function eventLogsRoutes(store: EventLogStore): Hono {
  const routes = new Hono();

  routes.get("/eventLogs", (c) => {
    const parsed = parseEventLogsQuery(new URL(c.req.url).searchParams);
    if (!parsed.ok) return parakeyError(c, 400, "invalid_query", parsed.detail);
    return withEtag(c, JSON.stringify(store.query(parsed.query)));
  });

  routes.get("/eventLogs/:id", (c) => {
    const eventLog = store.get(c.req.param("id"));
    if (!eventLog) return parakeyError(c, 404, "not_found", "no event log with this id");
    return withEtag(c, JSON.stringify(eventLog));
  });

  return routes;
}

function withEtag(c: Context, body: string): Response {
  const etag = etagOf(body);
  c.header("ETag", etag);
  if (ifNoneMatchMatches(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  c.header("Content-Type", "application/json; charset=utf-8");
  return c.body(body, 200);
}
