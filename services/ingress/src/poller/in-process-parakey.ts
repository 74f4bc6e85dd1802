import { createParakeyClient, type ParakeyClient } from "@parakey-bridge/parakey-client";
import {
  createSimulator,
  type InProcessSimulator,
  type PagingBehaviour,
} from "@parakey-bridge/parakey-simulator";
import type { Clock } from "@parakey-bridge/service-kit";

/**
 * A simulated Parakey without a socket and a client that talks to it in process: unit tests of the
 * poller and the backfill run the real client and the real API semantics (ETags, paging under the
 * given `PagingBehaviour`, the documented one by default) with no network. The client makes one
 * attempt per call, so an injected 5xx fails the call at once (as the last of its retries would).
 */
export function inProcessParakey(
  clock: Clock,
  paging: Partial<PagingBehaviour> = {},
): { sim: InProcessSimulator; client: ParakeyClient } {
  const sim = createSimulator({ token: "unit-token", clock, offlineFraction: 0, paging });
  const client = createParakeyClient({
    token: "unit-token",
    baseUrl: "http://parakey.test",
    clock,
    maxAttempts: 1,
    fetch: ((input: string | URL | Request, init?: RequestInit) =>
      sim.app.request(input instanceof Request ? input : String(input), init)) as typeof fetch,
  });
  return { sim, client };
}
