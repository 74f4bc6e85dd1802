import { ConfigError } from "@parakey-bridge/config";
import { BatchingProducer } from "@parakey-bridge/kafka";
import { createAdminApp, HttpServer, Lifecycle, systemClock } from "@parakey-bridge/service-kit";
import {
  createLogger,
  createMetricsRegistry,
  exitAfterTelemetry,
  startTelemetry,
} from "@parakey-bridge/telemetry";
import { createApp } from "./app.js";
import { type ConsoleConfig, loadConsoleConfig } from "./config.js";
import { consoleMetrics } from "./metrics.js";
import { Operations } from "./operations.js";
import { parseRange } from "./reconcile/range.js";
import { ReportCache } from "./report-cache.js";
import { ScheduledReconciliation } from "./schedule.js";
import { Sessions } from "./session.js";
import { wireConsole } from "./wiring.js";

// Composition root of the console: the only module with side effects.
let config: ConsoleConfig;
try {
  config = loadConsoleConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
startTelemetry({ serviceName: "console", otlpEndpoint: config.otlpEndpoint });
const log = createLogger({ service: "console", level: config.logLevel });
const registry = createMetricsRegistry("console");
const metrics = consoleMetrics(registry);
const clock = systemClock;

const parts = await wireConsole(config, {
  log,
  clock,
  metrics,
  producer: (kafka) => new BatchingProducer(kafka, { log, registry }),
});
const reports = new ReportCache();
const operations = new Operations({
  kafka: parts.kafka,
  groups: config.groups,
  eventLogsTopic: config.topics.eventLogs,
  pollerStateTopic: config.topics.pollerState,
  log,
  now: () => clock.now(),
});
if (config.session.secret === undefined) {
  log.warn("CONSOLE_SESSION_SECRET is not set: console sessions end on restart and differ between replicas");
}
const sessions = new Sessions(config.auth, {
  secret: config.session.secret,
  secure: config.session.secureCookie,
  now: () => clock.now(),
});
const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: config.shutdownGraceMs });
const admin = new HttpServer({
  name: "admin-http",
  port: config.adminPort,
  host: config.host,
  app: createAdminApp({
    registry,
    checks: [{ name: "audit-database", ready: () => parts.dbs.audit.probe() }],
    isShuttingDown: () => lifecycle.isShuttingDown,
    log,
  }),
});
const http = new HttpServer({
  name: "console-http",
  port: config.port,
  host: config.host,
  app: createApp({ console: parts.console, operations, reports, sessions, auth: config.auth, clock, log }),
});
const schedule = new ScheduledReconciliation({
  enabled: config.schedule.enabled,
  intervalMs: config.schedule.intervalMs,
  run: async () => {
    // Yesterday in UTC; each domain's day is bucketed in its own zone.
    const yesterday = new Date(clock.now().getTime() - 86_400_000).toISOString().slice(0, 10);
    reports.add(await parts.console.reconcile(parseRange({ from: yesterday, to: yesterday }, clock.now())));
  },
  log,
});

// Stop order is the reverse: the schedule and HTTP intake, the producer (flushes), the admin server,
// the database pools last.
lifecycle
  .add({ name: "databases", start: async () => undefined, stop: () => parts.close() })
  .add(admin)
  .add(parts.producer)
  .add(http)
  .add(schedule);
lifecycle.stopOnSignals((code) => void exitAfterTelemetry(code));
try {
  await lifecycle.start();
  log.info(
    { port: config.port, adminPort: config.adminPort, schedule: config.schedule.enabled },
    "console ready",
  );
} catch (error) {
  log.fatal({ err: error }, "console failed to start");
  await lifecycle.stop("start failed");
  await exitAfterTelemetry(1);
}
