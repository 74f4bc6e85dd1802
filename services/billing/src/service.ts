import { type DoorEvent, Topics } from "@parakey-bridge/contracts";
import {
  bridgeTopicSpecs,
  ConsumerRunner,
  createKafka,
  doorEventDecoder,
  doorEventReceivedAt,
  ensureTopicsOnStart,
  type Kafka,
} from "@parakey-bridge/kafka";
import { type Clock, createAdminApp, HttpServer, Lifecycle } from "@parakey-bridge/service-kit";
import { type Db, migrate, openDb } from "@parakey-bridge/storage";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Registry } from "prom-client";
import { createApp } from "./app.js";
import { type BillingConfig, billingTimeZones } from "./config.js";
import { createBillingMetrics } from "./metrics.js";
import { billingMigrations } from "./migrations.js";
import { UsageSink } from "./usage-sink.js";
import { UsageStore } from "./usage-store.js";

export interface BillingServiceDeps {
  log: Logger;
  registry: Registry;
  clock: Clock;
  /** The consumer cannot go on: main stops the service and exits non-zero (the orchestrator restarts it). */
  onFatal: (error: Error) => void;
}

/** The running parts of one billing replica. */
export interface BillingService {
  lifecycle: Lifecycle;
  db: Db;
  kafka: Kafka;
  store: UsageStore;
  runner: ConsumerRunner<DoorEvent>;
  http: HttpServer;
  admin: HttpServer;
}

/**
 * Opens the database (PostgreSQL, or embedded PGlite without DATABASE_URL), applies the billing
 * migrations, and builds every component under one lifecycle, in start order: admin server, database,
 * topics, consumer, HTTP API. Shutdown runs in reverse: the API stops taking requests, the consumer
 * finishes its chunk (meters and offsets commit together) and leaves the group, the pool closes.
 *
 * @example
 * const service = await createBillingService(config, { log, registry, clock: systemClock, onFatal });
 * await service.lifecycle.start();
 */
export async function createBillingService(
  config: BillingConfig,
  deps: BillingServiceDeps,
): Promise<BillingService> {
  const { log, registry, clock } = deps;
  const db = await openDb({
    url: config.database.url,
    dataDir: config.database.dataDir,
    schema: config.database.schema,
    log,
    poolSize: config.database.poolSize,
  });
  await migrate(db, billingMigrations, log);

  const zones = billingTimeZones(config.timeZones);
  const metrics = createBillingMetrics(registry);
  const kafka = createKafka(config.kafka, log);
  const store = new UsageStore(db, zones.timeZoneOf, config.consumer.group);
  const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: config.shutdownGraceMs });
  const runner = new ConsumerRunner<DoorEvent>({
    kafka,
    group: config.consumer.group,
    topics: [config.topics.eventLogs],
    decode: doorEventDecoder,
    sink: new UsageSink(store, db, metrics),
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
    name: "billing-http",
    app: createApp({
      queries: store,
      clock,
      timeZones: zones.all,
      auth: config.auth,
      log,
      onPeriodClosed: () => metrics.periodsClosed.inc(),
    }),
    port: config.port,
    host: config.host,
  });
  const admin = new HttpServer({
    name: "admin-http",
    app: createAdminApp({
      registry,
      checks: [runner.check, { name: "database", ready: () => db.probe() }],
      isShuttingDown: () => lifecycle.isShuttingDown,
      log,
    }),
    port: config.adminPort,
    host: config.host,
    drainTimeoutMs: 1_000,
  });

  lifecycle.add(admin).add({ name: "database", start: async () => undefined, stop: () => db.close() });
  if (config.ensureTopics) {
    const spec = bridgeTopicSpecs(config.ensureTopics).find((s) => s.topic === Topics.eventLogs);
    if (spec) lifecycle.add(ensureTopicsOnStart(kafka, [{ ...spec, topic: config.topics.eventLogs }], log));
  }
  lifecycle.add(runner).add(http);
  return { lifecycle, db, kafka, store, runner, http, admin };
}
