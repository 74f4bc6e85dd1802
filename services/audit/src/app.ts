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
import type { ChainVerifier } from "./chain/verify.js";
import { getEventRoute } from "./routes/event.js";
import { listEventsRoute } from "./routes/events.js";
import { verifyRoute } from "./routes/verify.js";
import type { AuditStore } from "./store/audit-store.js";

export interface AppDeps {
  store: AuditStore;
  verifier: ChainVerifier;
  /** Who may call: any role reads; personal data needs `auditor`. */
  auth: AuthSettings;
  /** Where each auditor's read of personal data is recorded. */
  accessLog: AccessLog;
  /** What other principals see instead of a person's id. */
  pseudonyms: Pseudonymiser;
  log: Logger;
}

/**
 * The audit HTTP API: list and read stored events, verify a domain's hash chain, list who read
 * personal data. Every request authenticates (401), is rate-limited per principal (429) and sees only
 * the principal's domains; personal data is shown to auditors only, each read recorded in the access
 * log (`GET /v1/access-log`), and pseudonymised for everyone else. Errors answer in the project's
 * one error shape.
 *
 * @example
 * const res = await createApp({ store, verifier, auth, accessLog, pseudonyms, log }).request(
 *   "/v1/events?domainId=dom_hq", { headers: { authorization: `Bearer ${token}` } });
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use(requestId());
  app.use(httpServerTracing());
  app.use(authenticate(deps.auth, { log: deps.log }));
  app.use(rateLimitPerPrincipal({ limitPerMinute: deps.auth.rateLimitPerMinute }));
  app.use(requireAnyRole());
  listEventsRoute(app, deps);
  getEventRoute(app, deps);
  verifyRoute(app, deps.verifier);
  registerAccessLogRoute(app, "/v1/access-log", deps.accessLog);
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.log));
  return app;
}
