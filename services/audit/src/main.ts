import { loadConfigOrExit } from "@parakey-bridge/config";
import {
  ConsumerRunner,
  createKafka,
  doorEventDecoder,
  doorEventReceivedAt,
  kafkaConnectionFromEnv,
} from "@parakey-bridge/kafka";
import { createAdminApp, HttpServer, Lifecycle, systemClock } from "@parakey-bridge/service-kit";
import { migrate, openDb } from "@parakey-bridge/storage";
import {
  createLogger,
  createMetricsRegistry,
  shutdownTelemetry,
  startTelemetry,
} from "@parakey-bridge/telemetry";
import { createApp } from "./app.js";
import { AuditSink } from "./audit-sink.js";
import { ChainVerifier } from "./chain/verify.js";
import { AuditEnv } from "./config.js";
import { ErasureJob } from "./erasure.js";
import { auditMetrics } from "./metrics.js";
import { AuditStore } from "./store/audit-store.js";
import { auditMigrations } from "./store/migrations.js";

// Composition root of the audit service: the only module with side effects.
const config = loadConfigOrExit(AuditEnv, process.env);
startTelemetry({ serviceName: "audit", otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const log = createLogger({ service: "audit", level: config.LOG_LEVEL });
const registry = createMetricsRegistry("audit");
const metrics = auditMetrics(registry);
const clock = systemClock;

const db = await openDb({
  url: config.DATABASE_URL,
  dataDir: config.AUDIT_DATA_DIR,
  schema: "audit",
  log,
  poolSize: config.DB_POOL_SIZE,
});
await migrate(db, auditMigrations, log);

const kafka = createKafka(kafkaConnectionFromEnv(config), log);
const store = new AuditStore(db, { group: config.CONSUMER_GROUP, clock });
const verifier = new ChainVerifier(db, metrics.verificationFailures);
const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS });

const exitAfterFatal = (error: Error) => {
  log.fatal({ err: error }, "consumer cannot continue; exiting so the orchestrator restarts the service");
  void lifecycle
    .stop("consumer failed")
    .then(() => shutdownTelemetry())
    .finally(() => process.exit(1));
};

const runner = new ConsumerRunner({
  kafka,
  group: config.CONSUMER_GROUP,
  topics: [config.AUDIT_TOPIC],
  decode: doorEventDecoder,
  sink: new AuditSink(store, db),
  log,
  registry,
  clock,
  receivedAt: doorEventReceivedAt,
  maxBatchRecords: config.CONSUMER_MAX_BATCH,
  partitionsConsumedConcurrently: config.CONSUMER_CONCURRENCY,
  sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
  heartbeatIntervalMs: Math.min(3_000, Math.floor(config.CONSUMER_SESSION_TIMEOUT_MS / 3)),
  onFatal: exitAfterFatal,
});

const erasure = new ErasureJob({
  db,
  clock,
  log,
  erased: metrics.erased,
  retentionDays: config.AUDIT_RETENTION_DAYS,
  intervalMs: config.AUDIT_ERASURE_INTERVAL_MS,
});

const admin = new HttpServer({
  name: "admin-http",
  port: config.ADMIN_PORT,
  app: createAdminApp({
    registry,
    checks: [runner.check, { name: "database", ready: () => db.probe() }],
    isShuttingDown: () => lifecycle.isShuttingDown,
    log,
  }),
});
const http = new HttpServer({
  name: "audit-http",
  port: config.PORT,
  app: createApp({ store, verifier, log }),
});

// Stop order is the reverse: HTTP intake, erasure, the consumer (finishes its chunk, commits,
// leaves the group), the admin server, and the database pool last.
lifecycle
  .add({ name: "database", start: async () => undefined, stop: () => db.close() })
  .add(admin)
  .add(runner)
  .add(erasure)
  .add(http);

lifecycle.stopOnSignals((code) => {
  void shutdownTelemetry().finally(() => process.exit(code));
});
try {
  await lifecycle.start();
  log.info(
    { port: config.PORT, adminPort: config.ADMIN_PORT, group: config.CONSUMER_GROUP },
    "audit service ready",
  );
} catch (error) {
  log.fatal({ err: error }, "audit service failed to start");
  await lifecycle.stop("start failed");
  process.exit(1);
}
