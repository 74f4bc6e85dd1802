export { createLogger, type Logger, type LoggerOptions, REDACTED_PATHS } from "./logger.js";
export { createMetricsRegistry } from "./metrics.js";
export {
  exitAfterTelemetry,
  extractTraceContext,
  injectTraceContext,
  shutdownTelemetry,
  startTelemetry,
  type TelemetryOptions,
  tracer,
  withSpan,
} from "./tracing.js";
