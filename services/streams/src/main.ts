import { ConfigError } from "@parakey-bridge/config";
import { systemClock } from "@parakey-bridge/service-kit";
import {
  createLogger,
  createMetricsRegistry,
  exitAfterTelemetry,
  startTelemetry,
} from "@parakey-bridge/telemetry";
import { type DoorStreamsConfig, loadDoorStreamsConfig } from "./config.js";
import { createDoorStreamsService } from "./service.js";

// Composition root of streams: the only module with side effects.

let config: DoorStreamsConfig;
try {
  config = loadDoorStreamsConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

startTelemetry({ serviceName: "streams", otlpEndpoint: config.otlpEndpoint });
const log = createLogger({ service: "streams", level: config.logLevel });
const registry = createMetricsRegistry("streams");

const service = createDoorStreamsService(config, {
  log,
  registry,
  clock: systemClock,
  onFatal: (error) => {
    log.fatal({ err: error }, "stream cannot continue; exiting so the orchestrator restarts the service");
    void service.lifecycle.stop("stream failed").finally(() => exitAfterTelemetry(1));
  },
});

service.lifecycle.stopOnSignals((code) => void exitAfterTelemetry(code));
try {
  await service.lifecycle.start();
  const admin = `http://localhost:${service.admin.port}`;
  log.info(
    {
      admin: [`${admin}/healthz`, `${admin}/readyz`, `${admin}/metrics`],
      group: config.group,
      topics: config.topics,
    },
    `streams running (read_committed output on ${config.topics.doorEvents} and ${config.topics.anonymous}), admin on ${admin}`,
  );
} catch (error) {
  log.fatal({ err: error }, "streams failed to start");
  await service.lifecycle.stop("start failed");
  await exitAfterTelemetry(1);
}
