import { type AuthSettings, authenticate, rateLimitPerPrincipal, requireAnyRole } from "@parakey-bridge/auth";
import {
  type Clock,
  createErrorHandler,
  httpServerTracing,
  notFoundHandler,
} from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { registerClosePeriod } from "./routes/close-period.js";
import { registerDomainUsage } from "./routes/domain-usage.js";
import { registerUsageExport } from "./routes/usage-export.js";
import type { UsageQueries } from "./usage-store.js";

export interface AppDeps {
  queries: UsageQueries;
  clock: Clock;
  /** Every zone billed in: a period closes only once it has ended in all of them. */
  timeZones: readonly string[];
  /** Who may call: every route needs a principal with a role; closing a period needs `operator`. */
  auth: AuthSettings;
  log: Logger;
  onPeriodClosed?: () => void;
}

/**
 * The billing HTTP API: a domain's usage of a month (JSON), every domain's usage of a month (CSV),
 * closing a month. Every request authenticates (401 otherwise), is rate-limited per principal (429)
 * and sees only the principal's domains (403 for another's). Errors answer the one JSON shape
 * `{ "error": { "code", "message", "requestId" } }`.
 *
 * @example
 * const app = createApp({ queries: store, clock: systemClock, timeZones: ["UTC"], auth, log });
 * await app.request("/v1/periods/2026-01/close", { method: "POST", headers: { authorization: `Bearer ${key}` } });
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono({ strict: false });
  app.use("*", requestId());
  app.use("*", httpServerTracing());
  app.use("*", authenticate(deps.auth, { log: deps.log }));
  app.use("*", rateLimitPerPrincipal({ limitPerMinute: deps.auth.rateLimitPerMinute }));
  app.use("*", requireAnyRole());
  registerDomainUsage(app, deps.queries);
  registerUsageExport(app, deps.queries);
  registerClosePeriod(app, {
    queries: deps.queries,
    clock: deps.clock,
    timeZones: deps.timeZones,
    ...(deps.onPeriodClosed ? { onClosed: deps.onPeriodClosed } : {}),
  });
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.log));
  return app;
}
