import { BridgeError, UnavailableError } from "@parakey-bridge/service-kit";
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { type Principal, ROLES, type Role } from "./principal.js";

/**
 * Only asymmetric algorithms: a token must be signed with the issuer's private key. This is what
 * refuses `alg: none` and an HMAC token "signed" with the issuer's public key as the secret.
 */
export const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

export interface JwtSettings {
  issuer: string;
  audience: string;
  jwksUrl: string;
  algorithms: readonly AsymmetricAlgorithm[];
  /** Dotted path of the claim holding the roles (`roles`, `realm_access.roles`). */
  roleClaim: string;
  /**
   * Dotted path of the claim holding the domains the principal may see. When set, a token without
   * it sees no domain (fail closed); `*` in it means every domain. Unset: tokens are not limited.
   */
  domainsClaim: string | undefined;
  clockToleranceSec: number;
  /** After a JWKS fetch, no other for this long, whatever kid a token names (bounds refetch storms). */
  jwksCooldownMs: number;
}

/** A token that is not acceptable: answered 401 with `WWW-Authenticate`. */
export class InvalidTokenError extends BridgeError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("invalid_token", message, { retryable: false, status: 401, ...options });
    this.name = "InvalidTokenError";
  }
}

/**
 * Verifies OpenID Connect access tokens (JWS compact JWTs) against the issuer's JWKS: signature by a
 * key of the set (chosen by `kid`), issuer, audience, expiry and not-before with the clock tolerance.
 * A token naming a `kid` the cached set lacks makes jose fetch the set again (after the cooldown), so
 * a key rotation at the issuer is picked up without a restart.
 *
 * @example
 * const verifier = new JwtVerifier({ issuer, audience, jwksUrl, algorithms: ["RS256"], roleClaim: "roles", domainsClaim: undefined, clockToleranceSec: 30, jwksCooldownMs: 30_000 });
 * const principal = await verifier.verify(token);
 */
export class JwtVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: JwtSettings) {
    this.jwks = createRemoteJWKSet(new URL(settings.jwksUrl), {
      cooldownDuration: settings.jwksCooldownMs,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5_000,
    });
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: [...this.settings.algorithms],
        clockTolerance: this.settings.clockToleranceSec,
        requiredClaims: ["exp", "sub"],
      }));
    } catch (error) {
      // The issuer cannot be reached: the token may be fine, so this is ours to retry, not a 401.
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
        throw new UnavailableError("auth_unavailable", "the token issuer's keys cannot be fetched now", {
          cause: error,
        });
      }
      throw new InvalidTokenError(reasonOf(error), { cause: error });
    }
    return {
      id: payload.sub as string,
      kind: "jwt",
      roles: rolesOf(claimAt(payload, this.settings.roleClaim)),
      domains:
        this.settings.domainsClaim === undefined
          ? "all"
          : domainsOf(claimAt(payload, this.settings.domainsClaim)),
    };
  }
}

/** A reason safe to answer with: what was wrong, never the token's content. */
function reasonOf(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return "the token has expired";
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JWKSNoMatchingKey) return "the token is not signed by a key of the issuer";
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  return "the token is not valid";
}

function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A claim that is an array of strings or one space-separated string (as OAuth `scope`). */
function stringsOf(value: unknown): string[] {
  if (typeof value === "string") return value.split(/[\s,]+/).filter((s) => s.length > 0);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

function rolesOf(value: unknown): Set<Role> {
  return new Set(stringsOf(value).filter((r): r is Role => (ROLES as readonly string[]).includes(r)));
}

function domainsOf(value: unknown): "all" | Set<string> {
  const domains = stringsOf(value);
  return domains.includes("*") ? "all" : new Set(domains);
}
