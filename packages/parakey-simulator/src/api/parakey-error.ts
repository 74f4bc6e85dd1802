import { requestIdOf } from "@parakey-bridge/service-kit";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * An error answer of the simulated Parakey API. Its codes are Parakey's stand-ins (`invalid_query`,
 * `server_error` with whatever status a fault injects…), not the bridge's `ERROR_CODES`: the
 * simulator plays the other side of the contract, so it keeps its own vocabulary in the bridge's
 * body shape.
 *
 * @example
 * return parakeyError(c, 400, "invalid_query", "limit: expected an integer");
 */
export function parakeyError(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
): Response {
  return c.json({ error: { code, message, requestId: requestIdOf(c) } }, status);
}
