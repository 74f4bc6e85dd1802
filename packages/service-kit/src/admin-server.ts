import { Hono } from "hono";
import type { Registry } from "prom-client";
import { type HealthCheck, liveness, readiness } from "./health.js";
import { createErrorHandler, notFoundHandler } from "./http-errors.js";

export interface AdminAppDeps {
  registry: Registry;
  checks: HealthCheck[];
  isShuttingDown: () => boolean;
  log: { error(obj: object, msg: string): void };
}

/**
 * The admin app every service serves on its own port: `/healthz` (liveness), `/readyz` (readiness,
 * false while shutting down or a dependency is down) and `/metrics` (Prometheus).
 *
 * @example
 * const admin = createAdminApp({ registry, checks: [kafkaCheck], isShuttingDown: () => lifecycle.isShuttingDown, log });
 */
export function createAdminApp(deps: AdminAppDeps): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => {
    const report = liveness(deps.checks);
    return c.json(report, report.ok ? 200 : 503);
  });
  app.get("/readyz", async (c) => {
    const report = await readiness(deps.checks, deps.isShuttingDown());
    return c.json(report, report.ok ? 200 : 503);
  });
  app.get("/metrics", async (c) => {
    c.header("Content-Type", deps.registry.contentType);
    return c.body(await deps.registry.metrics());
  });
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.log));
  return app;
}
