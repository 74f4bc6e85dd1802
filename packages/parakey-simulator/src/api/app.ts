import { type Clock, createErrorHandler, errorResponse, notFoundHandler } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import { Hono } from "hono";
import { except } from "hono/combine";
import { z } from "zod";
import { requireAccessToken } from "./auth.js";
import { type ControlDeps, controlRoutes } from "./control-routes.js";
import { eventLogsRoutes } from "./event-logs-routes.js";
import { faultMiddleware } from "./faults.js";
import { recordRequests } from "./request-stats.js";

export interface SimulatorAppDeps extends ControlDeps {
  /** The `access-token` Parakey's API accepts. */
  token: string;
  /** Parakey's clock (Retry-After dates). */
  clock: Clock;
  log: Logger;
}

const CONTROL_PREFIX = "/_sim/";

/**
 * The simulator's HTTP app: Parakey's event-log API (request counting, injected faults, then
 * `access-token` auth, in that order) and the `/_sim` control API beside it.
 *
 * @example
 * const app = createSimulatorApp({ token, store, generator, faults, requestStats, webhooks, world, clock, log });
 * const res = await app.request("/eventLogs?limit=1", { headers: { "access-token": token } });
 */
export function createSimulatorApp(deps: SimulatorAppDeps): Hono {
  const app = new Hono();
  // Everything but the control API is Parakey's: counted, then faults (like a gateway in front of
  // Parakey, they answer before authentication does), then the token check.
  app.use(
    except(
      (c) => c.req.path.startsWith(CONTROL_PREFIX),
      recordRequests(deps.requestStats),
      faultMiddleware(deps.faults, deps.clock),
      requireAccessToken(deps.token),
    ),
  );
  app.route("/", eventLogsRoutes(deps.store));
  app.route("/", controlRoutes(deps));
  app.notFound(notFoundHandler);
  const unexpected = createErrorHandler(deps.log);
  app.onError((error, c) => {
    if (error instanceof z.ZodError) return errorResponse(c, "invalid_request", z.prettifyError(error));
    if (error instanceof SyntaxError) return errorResponse(c, "invalid_request", "body is not JSON");
    return unexpected(error, c);
  });
  return app;
}
