export { createLogger, type Logger, type LoggerOptions, REDACTED_PATHS } from "./logger.js";
export { createMetricsRegistry } from "./metrics.js";
export {
  DEFAULT_TRACE_SAMPLE_RATIO,
  exitAfterTelemetry,
  extractTraceContext,
  injectTraceContext,
  mayRecordUnder,
  shutdownTelemetry,
  startTelemetry,
  type TelemetryOptions,
  tracer,
  traceSampler,
  withSpan,
} from "./tracing.js";
