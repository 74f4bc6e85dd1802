import { errorResponse } from "@parakey-bridge/service-kit";
import type { MiddlewareHandler } from "hono";

/**
 * Parakey treats `410 Gone` as "stop sending to this webhook" for good. No route, fallback, error
 * handler or shutdown path of the ingress answers 410 on purpose; this outermost middleware makes sure
 * no accident (a framework default, a future route) can either: a 410 becomes a 503, which Parakey
 * simply retries.
 *
 * @example
 * app.use("*", neverGone(log)); // registered first, so it sees every answer last
 */
export function neverGone(log: { error(obj: object, msg: string): void }): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.res.status !== 410) return;
    log.error(
      { path: c.req.path, method: c.req.method },
      "a 410 answer was turned into 503 (410 stops Parakey)",
    );
    c.res = undefined;
    c.res = errorResponse(c, 503, "unavailable", "temporarily unavailable, retry later");
  };
}
