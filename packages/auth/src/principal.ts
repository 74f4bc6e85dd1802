import { BridgeError, NotFoundError } from "@parakey-bridge/service-kit";
import type { Context, MiddlewareHandler } from "hono";

/**
 * The roles a principal may hold. They are not ranked: `reader` reads what carries no personal data,
 * `auditor` also reads personal data (each such read is recorded), `operator` changes state (closing
 * a billing period). A principal holding any role may read; one holding none may do nothing.
 */
export const ROLES = ["reader", "auditor", "operator"] as const;
export type Role = (typeof ROLES)[number];

/** Who made a request, as the APIs see it. Never carries the credential itself. */
export interface Principal {
  /** `sub` of a token, the configured id of an API key, or `development` when auth is waived. */
  id: string;
  kind: "jwt" | "api_key" | "development";
  roles: ReadonlySet<Role>;
  /** The domains (places) the principal may see: `all`, or exactly these. */
  domains: "all" | ReadonlySet<string>;
}

/** The Hono environment of an app behind `authenticate`: `c.get("principal")` is set. */
export interface AuthenticatedEnv {
  Variables: { principal: Principal };
}

/**
 * The principal of a request that passed `authenticate`. Throws when the middleware was not
 * installed: a route that forgets it must fail loudly, never answer anonymously.
 */
export function principalOf(c: Context): Principal {
  const principal = c.get("principal" as never) as Principal | undefined;
  if (!principal)
    throw new BridgeError("auth_not_installed", "authenticate() is not installed on this route");
  return principal;
}

/** Whether the principal holds at least one of the roles. */
export function hasRole(principal: Principal, ...roles: Role[]): boolean {
  return roles.some((role) => principal.roles.has(role));
}

/** 403 in the one error shape: a valid principal without the right role or domain. */
export class ForbiddenError extends BridgeError {
  constructor(message: string) {
    super("forbidden", message, { retryable: false, status: 403 });
    this.name = "ForbiddenError";
  }
}

/**
 * Middleware: only principals holding one of `roles` pass; others get 403.
 *
 * @example
 * app.post("/v1/periods/:period/close", requireRole("operator"), handler);
 */
export function requireRole(...roles: Role[]): MiddlewareHandler {
  return async (c, next) => {
    if (!hasRole(principalOf(c), ...roles)) {
      throw new ForbiddenError(`this needs the role ${roles.join(" or ")}`);
    }
    await next();
  };
}

/** Middleware: any authenticated principal holding some role may read. */
export const requireAnyRole = (): MiddlewareHandler => requireRole(...ROLES);

/** Whether the principal may see the domain. Events without a domain belong to no tenant: only `all` sees them. */
export function canSeeDomain(principal: Principal, domainId: string | null): boolean {
  if (principal.domains === "all") return true;
  return domainId !== null && principal.domains.has(domainId);
}

/**
 * A request that names a domain outside the principal's: 403, whether or not the domain exists
 * (the answer is the same for both, so it reveals nothing).
 *
 * @example
 * assertDomainAllowed(principalOf(c), domainId);
 */
export function assertDomainAllowed(principal: Principal, domainId: string | null): void {
  if (!canSeeDomain(principal, domainId)) throw new ForbiddenError("this domain is outside your access");
}

/**
 * A resource found by its own id that lies in a domain outside the principal's: the same 404 the
 * caller answers for a resource that does not exist (`notFoundMessage`), so another tenant's data is
 * neither shown nor confirmed.
 *
 * @example
 * if (!event) throw new NotFoundError(msg);
 * assertResourceVisible(principalOf(c), event.domainId, msg);
 */
export function assertResourceVisible(
  principal: Principal,
  domainId: string | null,
  notFoundMessage: string,
): void {
  if (!canSeeDomain(principal, domainId)) throw new NotFoundError(notFoundMessage);
}

/**
 * Middleware: a principal limited to some domains may not do what spans every domain (closing a
 * period for every customer): 403.
 */
export function requireAllDomains(): MiddlewareHandler {
  return async (c, next) => {
    if (principalOf(c).domains !== "all") {
      throw new ForbiddenError("this acts on every domain; your access is limited to some");
    }
    await next();
  };
}
