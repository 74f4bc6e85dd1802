import { Pseudonymiser, withoutApiAuth } from "@parakey-bridge/auth";
import { configLoader, loadConfigOrExit } from "@parakey-bridge/config";
import { type DoorEvent, decodeDoorEvent, doorEventReceivedAt } from "@parakey-bridge/contracts";
import {
  bridgeTopicSpecs,
  ConsumerRunner,
  type ConsumerSink,
  createKafka,
  ensureTopicsOnStart,
  type Kafka,
  operatorUsage,
  runOperatorCommand,
  type TopicNames,
} from "@parakey-bridge/kafka";
import {
  type Clock,
  type Component,
  createAdminApp,
  type HealthCheck,
  HttpServer,
  Lifecycle,
  runService,
  type ServiceDeps,
} from "@parakey-bridge/service-kit";
import { type Db, type Migration, migrate, openDb, rewindStoredOffsets } from "@parakey-bridge/storage";
import { createLogger, type Logger } from "@parakey-bridge/telemetry";
import type { Hono } from "hono";
import type { Registry } from "prom-client";
import type { z } from "zod";
import type { ConsumerServiceConfig } from "./env.js";

/** What a consumer service's `build` gets: the shared parts the template made. */
export interface ConsumerServiceContext<C> {
  config: C;
  /** Opened and migrated. */
  db: Db;
  kafka: Kafka;
  log: Logger;
  registry: Registry;
  clock: Clock;
}

/** What a consumer service supplies to the template. */
export interface ConsumerServiceParts<P> {
  /** Where the event topic's records go (see `ConsumerSink`). */
  sink: ConsumerSink<DoorEvent>;
  /** The service's HTTP API (`createApp`), served on PORT. */
  app: Hono;
  /** Started before the consumer and stopped after it: what the sink feeds (a producer, an outbox). */
  before?: Component[];
  /** Started after the consumer and stopped before it: jobs beside the stream (erasure). */
  after?: Component[];
  /** Readiness checks besides the consumer's and the database's. */
  checks?: HealthCheck[];
  /** The service's own parts, returned with the running service (for tests and the start log). */
  parts: P;
}

/** A command of a service's operator CLI besides `redrive` and `replay`. */
export interface OperatorCommand<C> {
  /** Its line in the usage text, e.g. `  erase    erase personal data older than the retention now`. */
  usage: string;
  /** Returns the exit code (0 done, 1 failed, 2 usage). */
  run: (
    args: readonly string[],
    ctx: {
      config: C;
      log: Logger;
      print: (line: string) => void;
      /** The service's database, opened and migrated: the command closes it. */
      openDb: () => Promise<Db>;
    },
  ) => Promise<number>;
}

export interface ConsumerServiceDefinition<E extends z.ZodType, C extends ConsumerServiceConfig, P> {
  /** `checkin`: names the logger, metrics, traces, the default group, schema and data directory. */
  name: string;
  /** How log lines name the service: `check-in`. */
  title: string;
  /** The whole environment (`consumerApiEnv(name, OwnEnv)`). */
  env: E;
  /** The configuration of a parsed environment (`{ ...consumerServiceConfigOf(e), …own }`). */
  config: (env: z.output<E>) => C;
  migrations: readonly Migration[];
  /** Topics the service writes (created at start with ENSURE_TOPICS, like the event topic it reads). */
  writes?: (config: C) => Partial<TopicNames>;
  /**
   * The sink resumes from offsets it stores with its rows (`ConsumerSink.storedOffsets`): `replay`
   * then rewinds those too, or the restarted service would seek past the replay.
   */
  storesOffsets: boolean;
  /** The routes of the API, as `GET /v1/…`, for the start log. */
  routes: readonly string[];
  build: (ctx: ConsumerServiceContext<C>) => ConsumerServiceParts<P> | Promise<ConsumerServiceParts<P>>;
  /** The service's own operator commands, by name. */
  commands?: Readonly<Record<string, OperatorCommand<C>>>;
}

/** The running parts of one replica. */
export type RunningConsumerService<P> = P & {
  lifecycle: Lifecycle;
  db: Db;
  kafka: Kafka;
  runner: ConsumerRunner<DoorEvent>;
  http: HttpServer;
  admin: HttpServer;
};

export interface ConsumerService<C, P> {
  /** Pure; throws `ConfigError` listing every problem. */
  loadConfig: (env: Record<string, string | undefined>) => C;
  /**
   * Opens the database (PostgreSQL, or embedded PGlite without DATABASE_URL), applies the
   * migrations, and builds every component under one lifecycle, in start order: admin server,
   * database, topics, the service's `before` components, consumer, its `after` components, HTTP API.
   * Shutdown runs in reverse: the API stops taking requests, jobs stop, the consumer finishes its
   * chunk (commits) and leaves the group, what it fed flushes, the pool closes, the admin server last.
   */
  create: (config: C, deps: ServiceDeps) => Promise<RunningConsumerService<P>>;
  /** One operator command: `redrive`, `replay` or the service's own. Returns the exit code. */
  runCommand: (
    argv: readonly string[],
    config: C,
    deps: { log: Logger; print: (line: string) => void },
  ) => Promise<number>;
  /** The composition root (`main.ts`): runs the service until a signal or a fatal error. */
  main: () => Promise<void>;
  /** The operator CLI (`cli/<name>-admin.ts`): one command from the arguments, with the service's env. */
  cli: (argv?: readonly string[]) => Promise<void>;
}

/**
 * The one template every consumer service is assembled by. A service supplies its sink, its routes,
 * its configuration, its migrations and its own components and commands; the template owns the
 * rest: the environment, the composition root, the database, the Kafka client, topics at start, the
 * consumer runner (DoorEvent v1 from the event topic), the admin server (`/healthz`, `/readyz`,
 * `/metrics`), the API server, the lifecycle and the operator CLI (`redrive`, `replay`).
 *
 * @example
 * export const billing = defineConsumerService({
 *   name: "billing", title: "billing", env: BillingEnv, config: billingConfigOf,
 *   migrations: billingMigrations, storesOffsets: true, routes: ["GET /v1/…"],
 *   build: ({ config, db, registry }) => ({ sink, app: createApp({ … }), parts: { store } }),
 * });
 * await billing.main(); // main.ts
 */
export function defineConsumerService<E extends z.ZodType, C extends ConsumerServiceConfig, P>(
  def: ConsumerServiceDefinition<E, C, P>,
): ConsumerService<C, P> {
  const loadServiceConfig = configLoader(def.env, def.config);

  const create = async (config: C, deps: ServiceDeps): Promise<RunningConsumerService<P>> => {
    const { log, registry, clock } = deps;
    const db = await openDb({ ...config.database, log });
    await migrate(db, def.migrations, log);
    const kafka = createKafka(config.kafka, log);
    const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: config.shutdownGraceMs });
    const built = await def.build({ config, db, kafka, log, registry, clock });
    const runner = new ConsumerRunner<DoorEvent>({
      kafka,
      group: config.consumer.group,
      topics: [config.topics.eventLogs],
      decode: decodeDoorEvent,
      sink: built.sink,
      log,
      registry,
      clock,
      receivedAt: doorEventReceivedAt,
      maxBatchRecords: config.consumer.maxBatchRecords,
      sessionTimeoutMs: config.consumer.sessionTimeoutMs,
      heartbeatIntervalMs: config.consumer.heartbeatIntervalMs,
      partitionsConsumedConcurrently: config.consumer.concurrency,
      onFatal: deps.onFatal,
    });
    const http = new HttpServer({
      name: `${def.name}-http`,
      app: built.app,
      port: config.port,
      host: config.host,
    });
    const admin = new HttpServer({
      name: "admin-http",
      app: createAdminApp({
        registry,
        checks: [runner.check, ...(built.checks ?? []), { name: "database", ready: () => db.probe() }],
        isShuttingDown: () => lifecycle.isShuttingDown,
        log,
      }),
      port: config.adminPort,
      host: config.host,
      drainTimeoutMs: 1_000,
    });

    lifecycle.add(admin).add({ name: "database", start: async () => undefined, stop: () => db.close() });
    if (config.ensureTopics) {
      const names = { ...def.writes?.(config), eventLogs: config.topics.eventLogs };
      lifecycle.add(ensureTopicsOnStart(kafka, bridgeTopicSpecs(config.ensureTopics, names), log));
    }
    for (const component of built.before ?? []) lifecycle.add(component);
    lifecycle.add(runner);
    for (const component of built.after ?? []) lifecycle.add(component);
    lifecycle.add(http);
    return { ...built.parts, lifecycle, db, kafka, runner, http, admin };
  };

  const usage = [
    `usage: ${def.name}-admin <command>`,
    ...Object.values(def.commands ?? {}).map((command) => command.usage),
    operatorUsage,
  ].join("\n");

  const runCommand: ConsumerService<C, P>["runCommand"] = async (argv, config, deps) => {
    const [command = "", ...args] = argv;
    const own = def.commands?.[command];
    if (own) {
      const open = async () => {
        const db = await openDb({ ...config.database, log: deps.log });
        await migrate(db, def.migrations, deps.log);
        return db;
      };
      return own.run(args, { config, log: deps.log, print: deps.print, openDb: open });
    }
    if (command !== "redrive" && command !== "replay") {
      deps.print(usage);
      return 2;
    }
    const group = config.consumer.group;
    return runOperatorCommand(argv, {
      kafka: createKafka(config.kafka, deps.log),
      group,
      topics: [config.topics.eventLogs],
      log: deps.log,
      print: deps.print,
      ...(def.storesOffsets
        ? {
            rewindStoredOffsets: (moves) =>
              rewindStoredOffsets({
                database: config.database,
                migrations: def.migrations,
                group,
                moves,
                log: deps.log,
              }),
          }
        : {}),
    });
  };

  return {
    loadConfig: loadServiceConfig,
    create,
    runCommand,
    main: () =>
      runService({
        service: def.name,
        loadConfig: loadServiceConfig,
        create,
        started: (service, config, log) => {
          const api = `http://localhost:${service.http.port}`;
          const admin = `http://localhost:${service.admin.port}`;
          log.info(
            {
              api: def.routes.map((route) => route.replace(" /", ` ${api}/`)),
              admin: [`${admin}/healthz`, `${admin}/readyz`, `${admin}/metrics`],
              group: config.consumer.group,
              topics: { ...def.writes?.(config), eventLogs: config.topics.eventLogs },
              database: service.db.kind,
            },
            `${def.title} API listening on ${api}, admin on ${admin}`,
          );
        },
      }),
    // The CLI's commands never serve the API: it needs no API credentials.
    cli: async (argv = process.argv.slice(2)) => {
      const config = def.config(loadConfigOrExit(def.env, withoutApiAuth(process.env)));
      const log = createLogger({
        service: `${def.name}-admin`,
        level: config.logLevel === "info" ? "warn" : config.logLevel,
      });
      const print = (line: string) => process.stdout.write(`${line}\n`);
      process.exitCode = await runCommand(argv, config, { log, print });
    },
  };
}

/**
 * The pseudonymiser of an API that shows people to non-auditors as keyed pseudonyms; warns when
 * PSEUDONYM_KEY is not set (pseudonyms then change on restart and differ between replicas).
 *
 * @example
 * const pseudonyms = pseudonymiserOf(config.auth, log);
 */
export function pseudonymiserOf(auth: ConsumerServiceConfig["auth"], log: Logger): Pseudonymiser {
  const pseudonyms = new Pseudonymiser(auth.pseudonymKey);
  if (!pseudonyms.stable) {
    log.warn("PSEUDONYM_KEY is not set: pseudonyms change on restart and differ between replicas");
  }
  return pseudonyms;
}
