import { errorResponse } from "@parakey-bridge/service-kit";
import type { MiddlewareHandler } from "hono";
import { ApiKeyRing } from "./api-keys.js";
import type { AuthSettings } from "./config.js";
import { InvalidTokenError, JwtVerifier } from "./jwt.js";
import { type AuthenticatedEnv, type Principal, ROLES } from "./principal.js";

const REALM = "parakey-bridge";
/** Three base64url parts separated by dots: a JWS compact token, not an API key. */
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

const DEVELOPMENT: Principal = {
  id: "development",
  kind: "development",
  roles: new Set(ROLES),
  domains: "all",
};

/**
 * Middleware: every request must prove who it is, with `Authorization: Bearer <token or API key>` or
 * `X-API-Key: <key>`; the principal is then `c.get("principal")`. Missing or malformed credentials
 * answer 401 with `WWW-Authenticate: Bearer` (RFC 6750) in the one error shape; an unreachable issuer
 * answers 503 (the token may be valid). Install it only on the API app: `/healthz`, `/readyz` and
 * `/metrics` live on the admin port, without user credentials.
 *
 * @example
 * app.use("*", authenticate(settings, { log }));
 */
export function authenticate(
  settings: AuthSettings,
  deps: { log: { warn(obj: object, msg: string): void } },
): MiddlewareHandler<AuthenticatedEnv> {
  if (settings.disabled) {
    deps.log.warn(
      { auth: "disabled" },
      "API AUTHENTICATION IS DISABLED (AUTH_DISABLED=true): anyone who reaches this port reads personal data and closes periods. Development only.",
    );
    return async (c, next) => {
      c.set("principal", DEVELOPMENT);
      await next();
    };
  }
  const keys = new ApiKeyRing(settings.apiKeys);
  const jwt = settings.jwt ? new JwtVerifier(settings.jwt) : undefined;
  const challenge = (error?: string) =>
    error === undefined ? `Bearer realm="${REALM}"` : `Bearer realm="${REALM}", error="${error}"`;

  return async (c, next) => {
    const presented = credentialOf(c.req.header("authorization"), c.req.header("x-api-key"));
    if (presented === undefined) {
      c.header("WWW-Authenticate", challenge());
      return errorResponse(c, "unauthenticated", "credentials are required (Bearer token or API key)");
    }
    if (presented === "malformed") {
      c.header("WWW-Authenticate", challenge("invalid_request"));
      return errorResponse(c, "unauthenticated", "the Authorization header is not `Bearer <credential>`");
    }
    let principal: Principal | undefined;
    try {
      principal =
        jwt !== undefined && JWS_COMPACT.test(presented)
          ? await jwt.verify(presented)
          : keys.principalOf(presented);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      c.header("WWW-Authenticate", challenge("invalid_token"));
      return errorResponse(c, "unauthenticated", error.message);
    }
    if (principal === undefined) {
      c.header("WWW-Authenticate", challenge("invalid_token"));
      return errorResponse(c, "unauthenticated", "the credential is not valid");
    }
    c.set("principal", principal);
    await next();
  };
}

function credentialOf(
  authorization: string | undefined,
  apiKey: string | undefined,
): string | "malformed" | undefined {
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    return match?.[1] ?? "malformed";
  }
  if (apiKey !== undefined) return apiKey.trim().length > 0 ? apiKey.trim() : "malformed";
  return undefined;
}
