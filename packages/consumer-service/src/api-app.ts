import {
  type AccessLog,
  API_SECURITY,
  type AuthSettings,
  accessLogRoute,
  authenticate,
  documentApiSecurity,
  type Pseudonymiser,
  rateLimitPerPrincipal,
  registerAccessLogRoute,
  requireAnyRole,
} from "@parakey-bridge/auth";
import {
  type ApiApp,
  type ApiDocumentConfig,
  createApiApp,
  createErrorHandler,
  documentRoutes,
  httpServerTracing,
  notFoundHandler,
  openApiDocumentOf,
  serveOpenApi,
} from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import { requestId } from "hono/request-id";

/** What a consumer service's API says about itself in its OpenAPI document. */
export interface ConsumerApiInfo {
  title: string;
  description: string;
}

/** What every consumer service's API is given. */
export interface ConsumerApiDeps {
  /** Who may call (see `ApiAuthEnv`). */
  auth: AuthSettings;
  log: Logger;
}

/** What an API that shows personal data is given besides (auditors see it, others pseudonyms). */
export interface PersonalDataApiDeps extends ConsumerApiDeps {
  /** Where each auditor's read of personal data is recorded. */
  accessLog: AccessLog;
  /** What other principals see instead of a person's id. */
  pseudonyms: Pseudonymiser;
}

/** Where an API that shows personal data lists who read it (auditors only). */
const ACCESS_LOG_PATH = "/v1/access-log";

function documentConfig(info: ConsumerApiInfo): ApiDocumentConfig {
  return {
    info: { title: info.title, version: "1.0.0", description: info.description },
    security: API_SECURITY,
  };
}

/**
 * The HTTP API of a consumer service, the one chain all of them share: request id, a SERVER span
 * per request, `GET /openapi.json` (no credentials needed), then `authenticate` (401) →
 * `rateLimitPerPrincipal` (429) → `requireAnyRole` (403) in front of the service's routes, and
 * every error in the one error shape (unknown path 404). An API that shows personal data passes its
 * `accessLog`: after the service's routes it then serves `GET /v1/access-log` (who read personal
 * data, for auditors), the same for every such API.
 *
 * @example
 * const app = consumerApiApp(API_INFO, deps, (app) => registerDomainUsage(app, deps.queries));
 * const personal = consumerApiApp(API_INFO, deps, (app) => registerDayCheckIns(app, deps), {
 *   accessLog: deps.accessLog,
 * });
 */
export function consumerApiApp(
  info: ConsumerApiInfo,
  deps: ConsumerApiDeps,
  /** Registers the service's routes (`app.openapi(route, handler)`), behind the chain. */
  register: (app: ApiApp) => void,
  /**
   * `strict: false`: `/v1/x/` answers as `/v1/x` (see `createApiApp`); default true. `accessLog`:
   * serve `GET /v1/access-log` from it.
   */
  options: { strict?: boolean; accessLog?: AccessLog } = {},
): ApiApp {
  const app = createApiApp({ strict: options.strict ?? true });
  app.use("*", requestId());
  app.use("*", httpServerTracing());
  documentApiSecurity(app);
  serveOpenApi(app, documentConfig(info));
  app.use("*", authenticate(deps.auth, { log: deps.log }));
  app.use("*", rateLimitPerPrincipal({ limitPerMinute: deps.auth.rateLimitPerMinute }));
  app.use("*", requireAnyRole());
  register(app);
  if (options.accessLog) registerAccessLogRoute(app, ACCESS_LOG_PATH, options.accessLog);
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.log));
  return app;
}

/**
 * A consumer service's OpenAPI document from its route definitions alone: what `/openapi.json`
 * serves and `pnpm generate` writes to docs/openapi/<service>.json. `accessLog: true` documents
 * `GET /v1/access-log` after the service's routes, as `consumerApiApp` serves it given an access log.
 *
 * @example
 * export const openApiDocument = () => consumerApiDocument(API_INFO, [domainUsageRoute, closePeriodRoute]);
 */
export function consumerApiDocument(
  info: ConsumerApiInfo,
  routes: Parameters<typeof documentRoutes>[1],
  options: { accessLog?: boolean } = {},
): object {
  const app = createApiApp();
  documentApiSecurity(app);
  documentRoutes(app, options.accessLog ? [...routes, accessLogRoute(ACCESS_LOG_PATH)] : routes);
  return openApiDocumentOf(app, documentConfig(info));
}

/**
 * A consumer service's API declared once: what its OpenAPI document says about it, its routes, and
 * how their handlers are registered. An API that shows personal data names where its `accessLog` is:
 * it then serves and documents `GET /v1/access-log` after its own routes.
 */
export interface ConsumerApiDefinition<D extends ConsumerApiDeps> extends ConsumerApiInfo {
  /** The routes' definitions, in the order the document lists them. */
  routes: Parameters<typeof documentRoutes>[1];
  /** Registers the routes' handlers (`app.openapi(route, handler)`), behind the chain. */
  register: (app: ApiApp, deps: D) => void;
  /** Where an API that shows personal data records each auditor's read. */
  accessLog?: (deps: D) => AccessLog;
  /** `false`: `/v1/x/` answers as `/v1/x` (see `createApiApp`). Default true. */
  strict?: boolean;
}

/**
 * The app and the OpenAPI document of one consumer API, both from its one definition (see
 * `consumerApiApp` for the chain every request passes), so what is served and what is documented
 * cannot drift apart.
 *
 * @example
 * const api = consumerApi<AppDeps>({
 *   title: "parakey-bridge check-in API",
 *   description: "Check-ins by domain and day. Errors: docs/errors.md.",
 *   routes: [dayCheckInsRoute],
 *   register: (app, deps) => registerDayCheckIns(app, deps),
 *   accessLog: (deps) => deps.accessLog,
 * });
 * export const createApp = api.app;
 * export const openApiDocument = api.document;
 */
export function consumerApi<D extends ConsumerApiDeps>(
  definition: ConsumerApiDefinition<D>,
): { app: (deps: D) => ApiApp; document: () => object } {
  const { title, description, routes, register, accessLog, strict } = definition;
  const info = { title, description };
  return {
    app: (deps) =>
      consumerApiApp(info, deps, (app) => register(app, deps), { strict, accessLog: accessLog?.(deps) }),
    document: () => consumerApiDocument(info, routes, { accessLog: accessLog !== undefined }),
  };
}
