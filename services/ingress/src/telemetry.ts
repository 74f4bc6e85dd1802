import { DEFAULT_TRACE_SAMPLE_RATIO, startTelemetry } from "@parakey-bridge/telemetry";

// Preloaded with `node --import ./dist/telemetry.js dist/main.js`, so tracing runs before any other
// module loads. main.ts calls startTelemetry again with the validated config; the second call is a
// no-op.
startTelemetry({
  serviceName: "ingress",
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
  sampleRatio: DEFAULT_TRACE_SAMPLE_RATIO,
});
