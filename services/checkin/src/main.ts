import { ConfigError } from "@parakey-bridge/config";
import { systemClock } from "@parakey-bridge/service-kit";
import {
  createLogger,
  createMetricsRegistry,
  DEFAULT_TRACE_SAMPLE_RATIO,
  exitAfterTelemetry,
  startTelemetry,
} from "@parakey-bridge/telemetry";
import { type CheckInConfig, loadCheckInConfig } from "./config.js";
import { createCheckInService } from "./service.js";

// Composition root of the check-in service: the only module with side effects.

let config: CheckInConfig;
try {
  config = loadCheckInConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

startTelemetry({
  serviceName: "checkin",
  otlpEndpoint: config.otlpEndpoint,
  sampleRatio: DEFAULT_TRACE_SAMPLE_RATIO,
});
const log = createLogger({ service: "checkin", level: config.logLevel });
const registry = createMetricsRegistry("checkin");

const service = await createCheckInService(config, {
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
        `GET ${api}/v1/domains/{domainId}/check-ins?date=YYYY-MM-DD&limit=&cursor=`,
        `GET ${api}/v1/users/{userId}/check-ins?from=YYYY-MM-DD&to=YYYY-MM-DD&domainId=`,
      ],
      admin: [`${admin}/healthz`, `${admin}/readyz`, `${admin}/metrics`],
      group: config.consumer.group,
      topics: config.topics,
      database: service.db.kind,
    },
    `check-in API listening on ${api}, admin on ${admin}`,
  );
} catch (error) {
  log.fatal({ err: error }, "check-in service failed to start");
  await service.lifecycle.stop("start failed");
  await exitAfterTelemetry(1);
}
