import { ConfigError } from "@parakey-bridge/config";
import { systemClock } from "@parakey-bridge/service-kit";
import {
  createLogger,
  createMetricsRegistry,
  DEFAULT_TRACE_SAMPLE_RATIO,
  exitAfterTelemetry,
  startTelemetry,
} from "@parakey-bridge/telemetry";
import { type IngressConfig, loadIngressConfig } from "./config.js";
import { createIngressService } from "./service.js";

// Composition root of the ingress: the only module with side effects.

let config: IngressConfig;
try {
  config = loadIngressConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const secretHeader = config.webhook.auth.secretHeader;
const log = createLogger({
  service: "ingress",
  level: config.logLevel,
  redact: secretHeader ? [`headers["${secretHeader}"]`, `*.headers["${secretHeader}"]`] : [],
});
startTelemetry({
  serviceName: "ingress",
  otlpEndpoint: config.otlpEndpoint,
  sampleRatio: DEFAULT_TRACE_SAMPLE_RATIO,
});
if (config.webhook.auth.insecureNoAuth) {
  log.warn(
    "WEBHOOK_INSECURE_NO_AUTH=true: the webhook accepts requests WITHOUT credentials (development only)",
  );
}

const registry = createMetricsRegistry("ingress");
const service = createIngressService(config, { log, registry, clock: systemClock });
// Further intakes (the poller) join here with `service.lifecycle.add(poller)`, sharing
// service.producer, service.recent and service.metrics: added last, they stop first, before the
// producer flushes.

service.lifecycle.stopOnSignals((code) => void exitAfterTelemetry(code));
try {
  await service.lifecycle.start();
  log.info(
    { port: service.webhook.port, adminPort: service.admin.port, path: config.webhook.path },
    "ingress listening",
  );
} catch (error) {
  log.fatal({ err: error }, "ingress failed to start");
  await service.lifecycle.stop("start failed");
  await exitAfterTelemetry(1);
}
