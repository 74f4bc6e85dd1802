import { Hono } from "hono";
import { z } from "zod";
import type { EventLogStore, StoredEventLog } from "../store/event-log-store.js";
import { PagingBehaviour } from "../store/paging-behaviour.js";
import type { WebhookStats } from "../webhooks/webhook.js";
import type { Webhooks } from "../webhooks/webhooks.js";
import type { EventLogGenerator } from "../world/generator.js";
import type { World } from "../world/world.js";
import type { FaultInjector } from "./faults.js";
import type { ApiStatsSnapshot, RequestStats } from "./request-stats.js";

export interface ControlDeps {
  store: EventLogStore;
  generator: EventLogGenerator;
  faults: FaultInjector;
  requestStats: RequestStats;
  webhooks: Webhooks;
  world: World;
}

/** Everything the simulator can tell about itself (`GET /_sim/stats`). */
export interface SimulatorStats {
  api: ApiStatsSnapshot;
  /** Faults still queued for the next API requests. */
  faultsPending: number;
  eventLogs: number;
  webhooks: WebhookStats[];
  /** How `GET /eventLogs` treats what Parakey does not document. */
  paging: PagingBehaviour;
}

const Count = z.int().min(1).max(100_000).default(1);

const FaultBody = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("rate_limit"),
    count: Count,
    retryAfterSeconds: z.int().min(0).optional(),
    retryAfterAs: z.enum(["seconds", "http-date"]).optional(),
  }),
  z.object({ kind: z.literal("server_error"), count: Count, status: z.int().min(500).max(599).default(503) }),
  z.object({ kind: z.literal("slow"), count: Count, delayMs: z.int().min(0).max(600_000) }),
]);

const EventsBody = z.union([
  z.object({ events: z.array(z.looseObject({ id: z.union([z.string().min(1), z.number()]) })).min(1) }),
  z.object({ generate: z.int().min(1).max(100_000) }),
  z.object({
    backlog: z.object({
      lockId: z.string().optional(),
      count: z.int().min(1).max(100_000).default(10),
      spanMs: z.int().min(1).optional(),
    }),
  }),
]);

const WebhookBody = z.object({
  url: z.url(),
  headers: z.record(z.string(), z.string()).optional(),
  allowedOffsetMinutes: z.number().min(0).optional(),
  deviceIds: z.array(z.string()).optional(),
  domainIds: z.array(z.string()).optional(),
});

/**
 * The simulator's own state as the control API reports it.
 *
 * @example
 * simulatorStats(deps).api.byStatus; // { "200": 3, "304": 1 }
 */
export function simulatorStats(deps: ControlDeps): SimulatorStats {
  return {
    api: deps.requestStats.snapshot(),
    faultsPending: deps.faults.pending,
    eventLogs: deps.store.size,
    webhooks: deps.webhooks.stats(),
    paging: deps.store.paging,
  };
}

/**
 * The control API under `/_sim` (not part of Parakey; no token, the simulator is a test tool):
 *
 * - `GET /_sim/stats`, `DELETE /_sim/stats` — request counts (by route and status, recent requests),
 *   queued faults, stored event logs, webhook delivery stats; DELETE resets the request counts.
 * - `POST /_sim/faults` `{ kind: "rate_limit", count, retryAfterSeconds?, retryAfterAs? }`,
 *   `{ kind: "server_error", count, status }`, `{ kind: "slow", count, delayMs }`; `DELETE` clears.
 * - `GET /_sim/events`; `POST /_sim/events` `{ events: [...] }` (stored verbatim),
 *   `{ generate: n }` (n unlocks from the world) or `{ backlog: { lockId?, count, spanMs? } }`
 *   (an offline lock uploads late).
 * - `GET /_sim/paging`; `PUT /_sim/paging` `{ ascending?, offset?, limitCap?, ties?, startDate? }`
 *   (see `PagingBehaviour`; a switch left out goes back to the documented behaviour).
 * - `GET /_sim/world`; `GET /_sim/webhooks`; `POST /_sim/webhooks` `{ url, headers?, allowedOffsetMinutes?, deviceIds?, domainIds? }`.
 *
 * @example
 * await fetch(`${url}/_sim/faults`, { method: "POST", body: JSON.stringify({ kind: "server_error", count: 2 }) });
 */
export function controlRoutes(deps: ControlDeps): Hono {
  const routes = new Hono();

  routes.get("/_sim/stats", (c) => c.json(simulatorStats(deps)));
  routes.delete("/_sim/stats", (c) => {
    deps.requestStats.reset();
    return c.body(null, 204);
  });

  routes.post("/_sim/faults", async (c) => {
    deps.faults.inject(FaultBody.parse(await c.req.json()));
    return c.json({ pending: deps.faults.pending }, 201);
  });
  routes.delete("/_sim/faults", (c) => {
    deps.faults.clear();
    return c.body(null, 204);
  });

  routes.get("/_sim/events", (c) => c.json(deps.store.all()));
  routes.post("/_sim/events", async (c) => {
    const body = EventsBody.parse(await c.req.json());
    let added: StoredEventLog[];
    if ("events" in body) added = deps.store.add(body.events as StoredEventLog[]);
    else if ("generate" in body) added = deps.store.add(deps.generator.ticks(body.generate));
    else added = deps.store.add(deps.generator.uploadBacklog(body.backlog));
    return c.json({ added: added.map((eventLog) => eventLog.id) }, 201);
  });

  routes.get("/_sim/paging", (c) => c.json(deps.store.paging));
  routes.put("/_sim/paging", async (c) => {
    deps.store.paging = PagingBehaviour.parse(await c.req.json());
    return c.json(deps.store.paging);
  });

  routes.get("/_sim/world", (c) => c.json(deps.world));

  routes.get("/_sim/webhooks", (c) => c.json(deps.webhooks.stats()));
  routes.post("/_sim/webhooks", async (c) => {
    const hook = deps.webhooks.add(WebhookBody.parse(await c.req.json()));
    return c.json({ id: hook.id }, 201);
  });

  return routes;
}
