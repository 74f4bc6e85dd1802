import { createErrorHandler, httpServerTracing, notFoundHandler } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import type { CheckInQueries } from "./check-in-store.js";
import type { DomainSettings } from "./domain-settings.js";
import { registerDayCheckIns } from "./routes/day-check-ins.js";
import { registerUserCheckIns } from "./routes/user-check-ins.js";

export interface AppDeps {
  queries: CheckInQueries;
  settings: DomainSettings;
  log: Logger;
}

/**
 * The check-in read API. Every error answers the one JSON shape
 * `{ "error": { "code", "message", "requestId" } }`: bad input 400, unknown path 404, database down 503.
 *
 * @example
 * const app = createApp({ queries: store, settings, log });
 * await app.request("/v1/domains/dom_hq/check-ins?date=2026-11-23");
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono({ strict: false });
  app.use("*", requestId());
  app.use("*", httpServerTracing());
  registerDayCheckIns(app, deps);
  registerUserCheckIns(app, deps);
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.log));
  return app;
}
