import { type Clock, HttpServer, systemClock } from "@parakey-bridge/service-kit";
import { createLogger, type Logger } from "@parakey-bridge/telemetry";
import type { Hono } from "hono";
import { createSimulatorApp } from "./api/app.js";
import { type SimulatorStats, simulatorStats } from "./api/control-routes.js";
import { FaultInjector } from "./api/faults.js";
import { RequestStats } from "./api/request-stats.js";
import { EventLogStore, type StoredEventLog } from "./store/event-log-store.js";
import { PagingBehaviour } from "./store/paging-behaviour.js";
import { EventStream } from "./stream/event-stream.js";
import { WEBHOOK_TIMEOUT_MS } from "./webhooks/retry-schedule.js";
import type { WebhookSettings } from "./webhooks/webhook.js";
import { Webhooks } from "./webhooks/webhooks.js";
import { EventLogGenerator } from "./world/generator.js";
import { createWorld, type World } from "./world/world.js";

export interface SimulatorOptions {
  /** The `access-token` the API accepts. */
  token: string;
  /** Same seed, same world and same event logs. Default 1. */
  seed?: number;
  /** Places. Default 2. */
  domains?: number;
  /** Locks. Default 6. */
  locks?: number;
  /** People. Default 20. */
  users?: number;
  /** Share of locks that go offline and upload their backlog later, 0–1. Default 0.2. */
  offlineFraction?: number;
  /** How long offline locks have been offline when the simulation starts. Default 2 days. */
  backlogSpanMs?: number;
  /** Parakey's clock minus the real clock (stamps `createdAt`, answers `startDate`). Default 0. */
  clockOffsetMs?: number;
  /**
   * How `GET /eventLogs` treats what Parakey does not document (ASC, offset, a limit cap, tie order,
   * startDate bound). A switch left out keeps the documented behaviour (see `PagingBehaviour`).
   */
  paging?: Partial<PagingBehaviour>;
  /** Webhooks configured from the start (more can be added later). */
  webhooks?: WebhookSettings[];
  /** Multiplies the webhook retry delays (0.001: the 20-minute schedule in 1.2 s). Default 1. */
  retryTimeScale?: number;
  /** A webhook receiver slower than this failed the attempt. Default 15 s, as Parakey. */
  webhookTimeoutMs?: number;
  /** The real clock. */
  clock?: Clock;
  /** Used to POST webhooks. */
  fetch?: typeof fetch;
  log?: Logger;
}

/** Drive the simulator from code: the same operations as the `/_sim` control API. */
export interface SimulatorControl {
  /** Stores event logs verbatim, as if Parakey had just received them (webhooks fire). */
  addEvents(eventLogs: readonly StoredEventLog[]): StoredEventLog[];
  /** `count` unlocks from the world, some held by offline locks, some uploading backlogs. */
  generate(count: number): StoredEventLog[];
  /** An offline lock reconnects and uploads `count` unlocks spread over the last `spanMs`. */
  uploadBacklog(options?: { lockId?: string; count?: number; spanMs?: number }): StoredEventLog[];
  /** Every stored event log, oldest `createdAt` first. */
  eventLogs(): StoredEventLog[];
  faults: FaultInjector;
  /** Switches how `GET /eventLogs` pages; a switch left out goes back to the documented behaviour. */
  setPaging(paging: Partial<PagingBehaviour>): void;
  stats(): SimulatorStats;
  /** Forgets the request counts (not the event logs). */
  resetStats(): void;
}

/** A simulator without a listening socket: drive `app` with `app.request()`. */
export interface InProcessSimulator {
  app: Hono;
  world: World;
  generator: EventLogGenerator;
  /** Parakey's clock (the real clock plus the offset). */
  parakeyClock: Clock;
  api: SimulatorControl;
  webhooks: Webhooks;
  /** Stops webhook deliveries and retries. */
  close(): void;
}

/**
 * Builds the simulated Parakey in process, without a socket (unit tests use `app.request()`).
 *
 * @example
 * const sim = createSimulator({ token: "t", seed: 7, clock: new ManualClock() });
 * sim.api.generate(10);
 * const res = await sim.app.request("/eventLogs?limit=1", { headers: { "access-token": "t" } });
 */
export function createSimulator(options: SimulatorOptions): InProcessSimulator {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? 1;
  const log = options.log ?? createLogger({ service: "parakey-simulator", level: "silent" });
  const world = createWorld({
    seed,
    ...(options.domains === undefined ? {} : { domains: options.domains }),
    ...(options.locks === undefined ? {} : { locks: options.locks }),
    ...(options.users === undefined ? {} : { users: options.users }),
    ...(options.offlineFraction === undefined ? {} : { offlineFraction: options.offlineFraction }),
  });
  const generator = new EventLogGenerator({
    world,
    seed,
    clock,
    clockOffsetMs: options.clockOffsetMs ?? 0,
    ...(options.backlogSpanMs === undefined ? {} : { backlogSpanMs: options.backlogSpanMs }),
  });
  const parakeyClock = generator.parakeyClock;
  const store = new EventLogStore(parakeyClock);
  store.paging = PagingBehaviour.parse(options.paging ?? {});
  const webhooks = new Webhooks({
    fetch: options.fetch ?? globalThis.fetch,
    retryTimeScale: options.retryTimeScale ?? 1,
    timeoutMs: options.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS,
    log,
  });
  for (const settings of options.webhooks ?? []) webhooks.add(settings);
  store.onAdded((eventLogs) => webhooks.publish(eventLogs));
  const faults = new FaultInjector();
  const requestStats = new RequestStats();
  const deps = { store, generator, faults, requestStats, webhooks, world };
  const app = createSimulatorApp({ ...deps, token: options.token, clock: parakeyClock, log });

  const api: SimulatorControl = {
    addEvents: (eventLogs) => store.add(eventLogs),
    generate: (count) => store.add(generator.ticks(count)),
    uploadBacklog: (backlog) => store.add(generator.uploadBacklog(backlog)),
    eventLogs: () => store.all(),
    faults,
    setPaging: (paging) => {
      store.paging = PagingBehaviour.parse(paging);
    },
    stats: () => simulatorStats(deps),
    resetStats: () => requestStats.reset(),
  };
  return { app, world, generator, parakeyClock, api, webhooks, close: () => webhooks.close() };
}

export interface StartSimulatorOptions extends SimulatorOptions {
  /** 0 picks a free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1 (tests); the CLI listens on 0.0.0.0. */
  host?: string;
  /** Unlocks per second happening in the world on their own. Default 0: only what you add. */
  rate?: number;
}

/** A simulated Parakey listening on a port. */
export interface Simulator extends Omit<InProcessSimulator, "close"> {
  /** Base URL of the API, e.g. `http://127.0.0.1:39123`; give it to the client as `baseUrl`. */
  url: string;
  port: number;
  /** Stops the event stream, the webhooks and the server. */
  close(): Promise<void>;
}

/**
 * Starts a simulated Parakey on a loopback port, for tests in any package and for the CLI.
 *
 * @example
 * const sim = await startSimulator({ port: 0, token: "t", seed: 7, retryTimeScale: 0.001 });
 * const client = createParakeyClient({ baseUrl: sim.url, token: "t" });
 * sim.api.generate(25);
 * // …
 * await sim.close();
 */
export async function startSimulator(options: StartSimulatorOptions): Promise<Simulator> {
  const core = createSimulator(options);
  const host = options.host ?? "127.0.0.1";
  // A short drain: a slow (faulted) request in flight should not hold a test's teardown for long.
  const server = new HttpServer({
    name: "parakey-simulator",
    app: core.app,
    port: options.port ?? 0,
    host,
    drainTimeoutMs: 1000,
  });
  await server.start();
  const stream = new EventStream({ rate: options.rate ?? 0, unlock: () => core.api.generate(1) });
  stream.start();
  const port = server.port;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    ...core,
    url: `http://${urlHost}:${port}`,
    port,
    close: () => {
      closing ??= (async () => {
        stream.stop();
        core.close();
        await server.stop();
      })();
      return closing;
    },
  };
}
