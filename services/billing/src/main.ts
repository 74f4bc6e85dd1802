import { ConfigError } from "@parakey-bridge/config";
import { systemClock } from "@parakey-bridge/service-kit";
import {
  createLogger,
  createMetricsRegistry,
  DEFAULT_TRACE_SAMPLE_RATIO,
  exitAfterTelemetry,
  startTelemetry,
} from "@parakey-bridge/telemetry";
import { type BillingConfig, loadBillingConfig } from "./config.js";
import { createBillingService } from "./service.js";

// Composition root of the billing service: the only module with side effects.

let config: BillingConfig;
try {
  config = loadBillingConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

startTelemetry({
  serviceName: "billing",
  otlpEndpoint: config.otlpEndpoint,
  sampleRatio: DEFAULT_TRACE_SAMPLE_RATIO,
});
const log = createLogger({ service: "billing", level: config.logLevel });
const registry = createMetricsRegistry("billing");

const service = await createBillingService(config, {
  log,
  registry,
  clock: systemClock,
  onFatal: (error) => {
    log.fatal({ err: error }, "consumer cannot continue; exiting so the orchestrator restarts the service");
    void service.lifecycle.stop("consumer failed").finally(() => exitAfterTelemetry(1));
  },
});

service.lifecycle.stopOnSignals((code) => void exitAfterTelemetry(code));
try {
  await service.lifecycle.start();
  const api = `http://localhost:${service.http.port}`;
  const admin = `http://localhost:${service.admin.port}`;
  log.info(
    {
      api: [
        `GET ${api}/v1/domains/{domainId}/usage/{period}`,
        `GET ${api}/v1/periods/{period}/usage.csv`,
        `POST ${api}/v1/periods/{period}/close`,
      ],
      admin: [`${admin}/healthz`, `${admin}/readyz`, `${admin}/metrics`],
      group: config.consumer.group,
      topic: config.topics.eventLogs,
      database: service.db.kind,
    },
    `billing API listening on ${api}, admin on ${admin}`,
  );
} catch (error) {
  log.fatal({ err: error }, "billing failed to start");
  await service.lifecycle.stop("start failed");
  await exitAfterTelemetry(1);
}
