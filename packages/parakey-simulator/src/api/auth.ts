import { timingSafeEqual } from "node:crypto";
import { errorResponse } from "@parakey-bridge/service-kit";
import type { MiddlewareHandler } from "hono";

/**
 * Parakey's API authentication: the token in the `access-token` header, 401 otherwise.
 *
 * @example
 * app.use("*", requireAccessToken("tok_test"));
 */
export function requireAccessToken(token: string): MiddlewareHandler {
  const expected = Buffer.from(token, "utf8");
  return async (c, next) => {
    const given = Buffer.from(c.req.header("access-token") ?? "", "utf8");
    // Constant-time compare: even a simulator should not teach a timing oracle.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return errorResponse(c, 401, "unauthorized", "missing or invalid access-token header");
    }
    await next();
  };
}
