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
 * every error in the one error shape (unknown path 404).
 *
 * @example
 * const app = consumerApiApp(API_INFO, deps, (app) => registerDomainUsage(app, deps.queries));
 */
export function consumerApiApp(
  info: ConsumerApiInfo,
  deps: ConsumerApiDeps,
  /** Registers the service's routes (`app.openapi(route, handler)`), behind the chain. */
  register: (app: ApiApp) => void,
  /** `strict: false`: `/v1/x/` answers as `/v1/x` (see `createApiApp`). Default true. */
  options: { strict?: boolean } = {},
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
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.log));
  return app;
}

/**
 * A consumer service's OpenAPI document from its route definitions alone: what `/openapi.json`
 * serves and `pnpm generate` writes to docs/openapi/<service>.json.
 *
 * @example
 * export const openApiDocument = () => consumerApiDocument(API_INFO, [domainUsageRoute, closePeriodRoute]);
 */
export function consumerApiDocument(
  info: ConsumerApiInfo,
  routes: Parameters<typeof documentRoutes>[1],
): object {
  const app = createApiApp();
  documentApiSecurity(app);
  documentRoutes(app, routes);
  return openApiDocumentOf(app, documentConfig(info));
}

/** Where an API that shows personal data lists who read it (auditors only). */
const ACCESS_LOG_PATH = "/v1/access-log";

/**
 * The HTTP API of a consumer service that shows personal data: `consumerApiApp` with the service's
 * routes and, after them, `GET /v1/access-log` (who read personal data, for auditors), which every
 * such API owes its auditors and serves the same way.
 *
 * @example
 * const app = personalDataApiApp(API_INFO, deps, (app) => registerDayCheckIns(app, deps));
 */
export function personalDataApiApp(
  info: ConsumerApiInfo,
  deps: PersonalDataApiDeps,
  /** Registers the service's own routes, behind the chain; the access log comes after them. */
  register: (app: ApiApp) => void,
  options: { strict?: boolean } = {},
): ApiApp {
  return consumerApiApp(
    info,
    deps,
    (app) => {
      register(app);
      registerAccessLogRoute(app, ACCESS_LOG_PATH, deps.accessLog);
    },
    options,
  );
}

/**
 * The OpenAPI document of an API built with `personalDataApiApp`: the service's routes, then the
 * access log's.
 *
 * @example
 * export const openApiDocument = () => personalDataApiDocument(API_INFO, [dayCheckInsRoute]);
 */
export function personalDataApiDocument(
  info: ConsumerApiInfo,
  routes: Parameters<typeof documentRoutes>[1],
): object {
  return consumerApiDocument(info, [...routes, accessLogRoute(ACCESS_LOG_PATH)]);
}
