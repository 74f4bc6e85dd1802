import {
  type AccessLog,
  type AuthSettings,
  authenticate,
  type Pseudonymiser,
  rateLimitPerPrincipal,
  registerAccessLogRoute,
  requireAnyRole,
} from "@parakey-bridge/auth";
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
  /** Who may call: any role reads a domain's day (people pseudonymised); a person's ids need `auditor`. */
  auth: AuthSettings;
  /** Where each auditor's read of personal data is recorded. */
  accessLog: AccessLog;
  /** What other principals see instead of a person's id. */
  pseudonyms: Pseudonymiser;
  log: Logger;
}

/**
 * The check-in read API. Every request authenticates (401), is rate-limited per principal (429) and
 * sees only the principal's domains (403); people are shown by id to auditors only (each read
 * recorded, `GET /v1/access-log`), by pseudonym to everyone else. Every error answers the one JSON
 * shape `{ "error": { "code", "message", "requestId" } }`: bad input 400, unknown path 404, database
 * down 503.
 *
 * @example
 * const app = createApp({ queries: store, settings, auth, accessLog, pseudonyms, log });
 * await app.request("/v1/domains/dom_hq/check-ins?date=2026-11-23", { headers: { authorization: `Bearer ${key}` } });
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono({ strict: false });
  app.use("*", requestId());
  app.use("*", httpServerTracing());
  app.use("*", authenticate(deps.auth, { log: deps.log }));
  app.use("*", rateLimitPerPrincipal({ limitPerMinute: deps.auth.rateLimitPerMinute }));
  app.use("*", requireAnyRole());
  registerDayCheckIns(app, deps);
  registerUserCheckIns(app, deps);
  registerAccessLogRoute(app, "/v1/access-log", deps.accessLog);
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.log));
  return app;
}
