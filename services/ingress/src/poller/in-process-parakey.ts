import { createParakeyClient, type ParakeyClient } from "@parakey-bridge/parakey-client";
import { createSimulator, type InProcessSimulator } from "@parakey-bridge/parakey-simulator";
import type { Clock } from "@parakey-bridge/service-kit";

/**
 * A simulated Parakey without a socket and a client that talks to it in process: unit tests of the
 * poller and the backfill run the real client and the real API semantics (ETags, paging) with no
 * network.
 */
export function inProcessParakey(clock: Clock): { sim: InProcessSimulator; client: ParakeyClient } {
  const sim = createSimulator({ token: "unit-token", clock, offlineFraction: 0 });
  const client = createParakeyClient({
    token: "unit-token",
    baseUrl: "http://parakey.test",
    clock,
    fetch: ((input: string | URL | Request, init?: RequestInit) =>
      sim.app.request(input instanceof Request ? input : String(input), init)) as typeof fetch,
  });
  return { sim, client };
}
