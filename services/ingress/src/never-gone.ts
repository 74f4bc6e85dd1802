import { codeOfStatus, errorResponse } from "@parakey-bridge/service-kit";
import type { MiddlewareHandler } from "hono";

/**
 * Parakey treats `410 Gone` as "stop sending to this webhook" for good. No error code answers 410
 * (`ERROR_CODES`) and a thrown 410 is answered as `codeOfStatus(410)`; this outermost middleware
 * applies the same rule to whatever else could answer 410 (a framework default, a future route): a
 * 410 becomes 503 `unavailable`, which Parakey simply retries.
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
    c.res = errorResponse(c, codeOfStatus(410), "temporarily unavailable, retry later");
  };
}
