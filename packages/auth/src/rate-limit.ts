import { errorResponse } from "@parakey-bridge/service-kit";
import type { Context, MiddlewareHandler } from "hono";
import { rateLimiter } from "hono-rate-limiter";

/**
 * Middleware: at most `limitPerMinute` requests per key (by default the principal, so it goes after
 * `authenticate`) in each one-minute window; beyond it 429 `rate_limited` in the one error shape with
 * `Retry-After` (seconds until the window resets) and the `RateLimit-*` headers. One noisy client
 * uses up its own budget only. Counts live in the process (hono-rate-limiter's memory store): with N
 * replicas a client gets up to N times the limit, which is enough to stop one client starving the rest.
 * `limitPerMinute` 0 turns it off.
 *
 * @example
 * app.use("*", authenticate(settings, { log }), rateLimitPerPrincipal({ limitPerMinute: 600 }));
 */
export function rateLimitPerPrincipal(options: {
  limitPerMinute: number;
  keyOf?: (c: Context) => string;
}): MiddlewareHandler {
  if (options.limitPerMinute === 0) return async (_c, next) => next();
  const keyOf =
    options.keyOf ??
    ((c: Context) => {
      const principal = c.get("principal" as never) as { kind: string; id: string } | undefined;
      return principal ? `${principal.kind}:${principal.id}` : "anonymous";
    });
  return rateLimiter({
    windowMs: 60_000,
    limit: options.limitPerMinute,
    standardHeaders: "draft-6",
    keyGenerator: keyOf,
    handler: (c) => errorResponse(c, "rate_limited", "too many requests; retry after the Retry-After delay"),
  }) as MiddlewareHandler;
}
