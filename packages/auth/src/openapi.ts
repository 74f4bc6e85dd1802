import type { ApiApp, ErrorCode } from "@parakey-bridge/service-kit";

/**
 * How a client proves who it is to the APIs behind `authenticate`, as OpenAPI security schemes: a
 * bearer credential (an OpenID Connect JWT, or an API key sent as a bearer token) or an API key in
 * `X-API-Key`. Either one suffices (`API_SECURITY`).
 */
const SECURITY_SCHEMES = {
  bearerAuth: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT or API key",
    description:
      "`Authorization: Bearer <token>`: a JWT of the configured OpenID Connect issuer (roles and domains from its claims), or an API key.",
  },
  apiKey: {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "An API key (stored hashed; its roles and domains are configured with it).",
  },
} as const;

/** Either scheme grants access (OpenAPI: alternatives are separate requirement objects). */
export const API_SECURITY: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKey: [] }];

/** The error codes every route behind `authenticate`, the rate limit and the role check may answer. */
export const AUTH_ERRORS = [
  "unauthenticated",
  "forbidden",
  "rate_limited",
  "auth_unavailable",
] as const satisfies readonly ErrorCode[];

/**
 * Adds the API security schemes to an app's OpenAPI document; pair it with `API_SECURITY` as the
 * document's `security`.
 *
 * @example
 * documentApiSecurity(app);
 * serveOpenApi(app, { info, security: API_SECURITY });
 */
export function documentApiSecurity(app: Pick<ApiApp, "openAPIRegistry">): void {
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) {
    app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  }
}
