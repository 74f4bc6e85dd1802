import {
  API_SECURITY,
  type AuthSettings,
  authenticate,
  documentApiSecurity,
  rateLimitPerPrincipal,
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

export interface ConsumerApiOptions {
  info: ConsumerApiInfo;
  /** Who may call (see `ApiAuthEnv`). */
  auth: AuthSettings;
  log: Logger;
  /** Registers the service's routes (`app.openapi(route, handler)`), behind the chain below. */
  register: (app: ApiApp) => void;
  /** `false`: `/v1/x/` answers as `/v1/x` (see `createApiApp`). Default true. */
  strict?: boolean;
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
 * const app = consumerApiApp({ info, auth: config.auth, log, register: (app) => registerDomainUsage(app, store) });
 */
export function consumerApiApp(options: ConsumerApiOptions): ApiApp {
  const app = createApiApp({ strict: options.strict ?? true });
  app.use("*", requestId());
  app.use("*", httpServerTracing());
  documentApiSecurity(app);
  serveOpenApi(app, documentConfig(options.info));
  app.use("*", authenticate(options.auth, { log: options.log }));
  app.use("*", rateLimitPerPrincipal({ limitPerMinute: options.auth.rateLimitPerMinute }));
  app.use("*", requireAnyRole());
  options.register(app);
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(options.log));
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
