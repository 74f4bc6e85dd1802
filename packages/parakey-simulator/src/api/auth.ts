import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { parakeyError } from "./parakey-error.js";

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
      return parakeyError(c, 401, "unauthorized", "missing or invalid access-token header");
    }
    await next();
  };
}
