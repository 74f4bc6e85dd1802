import { startTelemetry } from "@parakey-bridge/telemetry";

// Preloaded with `node --import ./dist/telemetry.js`: tracing is up before anything else loads.
startTelemetry({ serviceName: "console", otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT });
