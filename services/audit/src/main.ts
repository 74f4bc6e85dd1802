import { AccessLog, Pseudonymiser } from "@parakey-bridge/auth";
import { ConfigError } from "@parakey-bridge/config";
import { Topics } from "@parakey-bridge/contracts";
import {
  bridgeTopicSpecs,
  ConsumerRunner,
  createKafka,
  doorEventDecoder,
  doorEventReceivedAt,
  ensureTopicsOnStart,
} from "@parakey-bridge/kafka";
import { createAdminApp, HttpServer, Lifecycle, systemClock } from "@parakey-bridge/service-kit";
import { migrate, openDb } from "@parakey-bridge/storage";
import {
  createLogger,
  createMetricsRegistry,
  DEFAULT_TRACE_SAMPLE_RATIO,
  exitAfterTelemetry,
  startTelemetry,
} from "@parakey-bridge/telemetry";
import { createApp } from "./app.js";
import { AuditSink } from "./audit-sink.js";
import { ChainVerifier } from "./chain/verify.js";
import { type AuditConfig, loadAuditConfig } from "./config.js";
import { ErasureJob } from "./erasure.js";
import { auditMetrics } from "./metrics.js";
import { AuditStore } from "./store/audit-store.js";
import { auditMigrations } from "./store/migrations.js";

// Composition root of the audit service: the only module with side effects.
let config: AuditConfig;
try {
  config = loadAuditConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
startTelemetry({
  serviceName: "audit",
  otlpEndpoint: config.otlpEndpoint,
  sampleRatio: DEFAULT_TRACE_SAMPLE_RATIO,
});
const log = createLogger({ service: "audit", level: config.logLevel });
const registry = createMetricsRegistry("audit");
const metrics = auditMetrics(registry);
const clock = systemClock;

const db = await openDb({ ...config.database, log });
await migrate(db, auditMigrations, log);

const kafka = createKafka(config.kafka, log);
const store = new AuditStore(db, { group: config.consumer.group, clock });
const verifier = new ChainVerifier(db, metrics.verificationFailures);
const accessLog = new AccessLog(db, clock);
const pseudonyms = new Pseudonymiser(config.auth.pseudonymKey);
if (!pseudonyms.stable) {
  log.warn("PSEUDONYM_KEY is not set: pseudonyms change on restart and differ between replicas");
}
const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: config.shutdownGraceMs });

const exitAfterFatal = (error: Error) => {
  log.fatal({ err: error }, "consumer cannot continue; exiting so the orchestrator restarts the service");
  void lifecycle.stop("consumer failed").finally(() => exitAfterTelemetry(1));
};

const runner = new ConsumerRunner({
  kafka,
  group: config.consumer.group,
  topics: [config.topics.eventLogs],
  decode: doorEventDecoder,
  sink: new AuditSink(store, db),
  log,
  registry,
  clock,
  receivedAt: doorEventReceivedAt,
  maxBatchRecords: config.consumer.maxBatchRecords,
  partitionsConsumedConcurrently: config.consumer.concurrency,
  sessionTimeoutMs: config.consumer.sessionTimeoutMs,
  heartbeatIntervalMs: config.consumer.heartbeatIntervalMs,
  onFatal: exitAfterFatal,
});

const erasure = new ErasureJob({
  db,
  clock,
  log,
  erased: metrics.erased,
  retentionDays: config.erasure.retentionDays,
  intervalMs: config.erasure.intervalMs,
});

const admin = new HttpServer({
  name: "admin-http",
  port: config.adminPort,
  host: config.host,
  app: createAdminApp({
    registry,
    checks: [runner.check, { name: "database", ready: () => db.probe() }],
    isShuttingDown: () => lifecycle.isShuttingDown,
    log,
  }),
});
const http = new HttpServer({
  name: "audit-http",
  port: config.port,
  host: config.host,
  app: createApp({ store, verifier, auth: config.auth, accessLog, pseudonyms, log }),
});

// Stop order is the reverse: HTTP intake, erasure, the consumer (finishes its chunk, commits,
// leaves the group), the admin server, and the database pool last.
lifecycle.add({ name: "database", start: async () => undefined, stop: () => db.close() }).add(admin);
if (config.ensureTopics) {
  const spec = bridgeTopicSpecs(config.ensureTopics).find((s) => s.topic === Topics.eventLogs);
  if (spec) lifecycle.add(ensureTopicsOnStart(kafka, [{ ...spec, topic: config.topics.eventLogs }], log));
}
lifecycle.add(runner).add(erasure).add(http);

lifecycle.stopOnSignals((code) => void exitAfterTelemetry(code));
try {
  await lifecycle.start();
  log.info(
    { port: config.port, adminPort: config.adminPort, group: config.consumer.group },
    "audit service ready",
  );
} catch (error) {
  log.fatal({ err: error }, "audit service failed to start");
  await lifecycle.stop("start failed");
  await exitAfterTelemetry(1);
}
