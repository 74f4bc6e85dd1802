export { type AdminAppDeps, createAdminApp } from "./admin-server.js";
export { formatOpenApiDocument } from "./api-docs.js";
export { type Clock, systemClock } from "./clock.js";
export {
  codeOfStatus,
  ERROR_CODE_NAMES,
  ERROR_CODES,
  type ErrorCode,
  type ErrorCodeSpec,
  type UnavailableCode,
} from "./error-codes.js";
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
export {
  type ApiApp,
  type ApiDocumentConfig,
  createApiApp,
  documentRoutes,
  ErrorBodySchema,
  errorResponses,
  jsonResponses,
  openApiDocumentOf,
  serveOpenApi,
} from "./openapi.js";
export { type ProcessConfig, type RunServiceOptions, runService, type ServiceDeps } from "./run-service.js";
