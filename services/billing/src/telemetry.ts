import { DEFAULT_TRACE_SAMPLE_RATIO, startTelemetry } from "@parakey-bridge/telemetry";

// Preloaded with `node --import ./dist/telemetry.js`: tracing is up before anything else loads.
startTelemetry({
  serviceName: "billing",
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
  sampleRatio: DEFAULT_TRACE_SAMPLE_RATIO,
});
