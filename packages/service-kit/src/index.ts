export { type AdminAppDeps, createAdminApp } from "./admin-server.js";
export { type Clock, systemClock } from "./clock.js";
export { BridgeError, isRetryable, NotFoundError, UnavailableError, ValidationError } from "./errors.js";
export { type HealthCheck, type HealthReport, liveness, readiness } from "./health.js";
export {
  createErrorHandler,
  type ErrorBody,
  errorResponse,
  notFoundHandler,
  requestIdOf,
} from "./http-errors.js";
export { HttpServer, type HttpServerOptions } from "./http-server.js";
export { httpServerTracing } from "./http-tracing.js";
export { type Component, Lifecycle, type LifecycleOptions } from "./lifecycle.js";
export { type ProcessConfig, type RunServiceOptions, runService, type ServiceDeps } from "./run-service.js";
