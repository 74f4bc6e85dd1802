import { createErrorHandler, notFoundHandler } from "@parakey-bridge/service-kit";
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
  log: Logger;
}

/**
 * The audit HTTP API: list and read stored events, verify a domain's hash chain. Errors answer in
 * the project's one error shape.
 *
 * @example
 * const res = await createApp({ store, verifier, log }).request("/audit/events?domainId=dom_hq");
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use(requestId());
  listEventsRoute(app, deps.store);
  getEventRoute(app, deps.store);
  verifyRoute(app, deps.verifier);
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.log));
  return app;
}
