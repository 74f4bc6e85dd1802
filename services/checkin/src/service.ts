import { AccessLog, Pseudonymiser } from "@parakey-bridge/auth";
import { type DoorEvent, Topics } from "@parakey-bridge/contracts";
import {
  BatchingProducer,
  bridgeTopicSpecs,
  ConsumerRunner,
  createKafka,
  doorEventDecoder,
  doorEventReceivedAt,
  ensureTopicsOnStart,
  type Kafka,
  type TopicSpec,
} from "@parakey-bridge/kafka";
import { type Clock, createAdminApp, HttpServer, Lifecycle } from "@parakey-bridge/service-kit";
import { type Db, migrate, openDb } from "@parakey-bridge/storage";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Registry } from "prom-client";
import { createApp } from "./app.js";
import { CheckInPublisher } from "./check-in-publisher.js";
import { CheckInSink } from "./check-in-sink.js";
import { CheckInStore } from "./check-in-store.js";
import type { CheckInConfig } from "./config.js";
import { domainSettings } from "./domain-settings.js";
import { createCheckInMetrics } from "./metrics.js";
import { checkInMigrations } from "./migrations.js";

export interface CheckInServiceDeps {
  log: Logger;
  registry: Registry;
  clock: Clock;
  /** The consumer cannot go on: main stops the service and exits non-zero (the orchestrator restarts it). */
  onFatal: (error: Error) => void;
}

/** The running parts of one check-in replica. */
export interface CheckInService {
  lifecycle: Lifecycle;
  db: Db;
  kafka: Kafka;
  store: CheckInStore;
  runner: ConsumerRunner<DoorEvent>;
  publisher: CheckInPublisher;
  http: HttpServer;
  admin: HttpServer;
}

/**
 * Opens the database (PostgreSQL, or embedded PGlite without DATABASE_URL), applies the check-in
 * migrations, and builds every component under one lifecycle, in start order: admin server,
 * database, topics, producer, outbox publisher, consumer, HTTP API. Shutdown runs in reverse: the API
 * stops, the consumer finishes its chunk and leaves the group, the publisher sends what the last
 * batches recorded, the producer flushes, the pool closes.
 *
 * @example
 * const service = await createCheckInService(config, { log, registry, clock: systemClock, onFatal });
 * await service.lifecycle.start();
 */
export async function createCheckInService(
  config: CheckInConfig,
  deps: CheckInServiceDeps,
): Promise<CheckInService> {
  const { log, registry, clock } = deps;
  const db = await openDb({
    url: config.database.url,
    dataDir: config.database.dataDir,
    schema: config.database.schema,
    log,
    poolSize: config.database.poolSize,
  });
  await migrate(db, checkInMigrations, log);

  const settings = domainSettings(config.domains);
  const pseudonyms = new Pseudonymiser(config.auth.pseudonymKey);
  if (!pseudonyms.stable) {
    log.warn("PSEUDONYM_KEY is not set: pseudonyms change on restart and differ between replicas");
  }
  const store = new CheckInStore(db, settings, config.consumer.group);
  const metrics = createCheckInMetrics(registry, () => store.outboxSize());
  const kafka = createKafka(config.kafka, log);
  const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: config.shutdownGraceMs });
  const producer = new BatchingProducer(kafka, {
    log,
    registry,
    lingerMs: 5,
    maxBatchRecords: config.outbox.batch,
    sendTimeoutMs: config.outbox.produceTimeoutMs,
  });
  const publisher = new CheckInPublisher({
    store,
    producer,
    topic: config.topics.checkIns,
    log,
    metrics,
    pollIntervalMs: config.outbox.pollIntervalMs,
    batch: config.outbox.batch,
  });
  const runner = new ConsumerRunner<DoorEvent>({
    kafka,
    group: config.consumer.group,
    topics: [config.topics.eventLogs],
    decode: doorEventDecoder,
    sink: new CheckInSink({ db, store, metrics, onCheckIns: () => publisher.wake() }),
    log,
    registry,
    clock,
    receivedAt: doorEventReceivedAt,
    maxBatchRecords: config.consumer.maxBatchRecords,
    sessionTimeoutMs: config.consumer.sessionTimeoutMs,
    heartbeatIntervalMs: config.consumer.heartbeatIntervalMs,
    onFatal: deps.onFatal,
  });
  const http = new HttpServer({
    name: "checkin-http",
    app: createApp({
      queries: store,
      settings,
      auth: config.auth,
      accessLog: new AccessLog(db, clock),
      pseudonyms,
      log,
    }),
    port: config.port,
    host: config.host,
  });
  const admin = new HttpServer({
    name: "admin-http",
    app: createAdminApp({
      registry,
      checks: [runner.check, publisher.check, { name: "database", ready: () => db.probe() }],
      isShuttingDown: () => lifecycle.isShuttingDown,
      log,
    }),
    port: config.adminPort,
    host: config.host,
    drainTimeoutMs: 1_000,
  });

  lifecycle.add(admin).add({ name: "database", start: async () => undefined, stop: () => db.close() });
  if (config.ensureTopics) lifecycle.add(ensureTopicsOnStart(kafka, checkInTopicSpecs(config), log));
  lifecycle.add(producer).add(publisher).add(runner).add(http);
  return { lifecycle, db, kafka, store, runner, publisher, http, admin };
}

/** The topic read and the topic written, with the bridge's settings, under their configured names. */
function checkInTopicSpecs(config: CheckInConfig): TopicSpec[] {
  if (!config.ensureTopics) return [];
  const specs = bridgeTopicSpecs(config.ensureTopics);
  const named: [string, string][] = [
    [Topics.eventLogs, config.topics.eventLogs],
    [Topics.checkins, config.topics.checkIns],
  ];
  return named.flatMap(([standard, configured]) => {
    const spec = specs.find((s) => s.topic === standard);
    return spec ? [{ ...spec, topic: configured }] : [];
  });
}
