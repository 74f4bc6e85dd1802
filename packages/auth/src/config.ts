import { envBoolean, envInt, envList } from "@parakey-bridge/config";
import { z } from "zod";
import { type ApiKeyEntry, ApiKeysEnv } from "./api-keys.js";
import { ASYMMETRIC_ALGORITHMS, type JwtSettings } from "./jwt.js";

const emptyIsAbsent = (value: unknown) => (value === "" ? undefined : value);
const optionalString = z.preprocess(emptyIsAbsent, z.string().min(1).optional());
const optionalUrl = z.preprocess(emptyIsAbsent, z.url({ error: "expected an absolute URL" }).optional());

/**
 * How the HTTP APIs of checkin, billing and audit authenticate (the same names in each; the Helm
 * chart sets them from `auth.*`). Either OpenID Connect (issuer, audience and JWKS URL together), or
 * API keys, or both; starting with neither needs `AUTH_DISABLED=true`, a development waiver.
 *
 * @example
 * const Env = z.intersection(ServiceEnv, ApiAuthEnv);
 */
export const ApiAuthEnv = z
  .object({
    AUTH_JWT_ISSUER: optionalUrl,
    AUTH_JWT_AUDIENCE: optionalString,
    AUTH_JWKS_URL: optionalUrl,
    AUTH_JWT_ALGORITHMS: envList(["RS256", "ES256", "EdDSA"]).pipe(
      z.array(z.enum(ASYMMETRIC_ALGORITHMS, { error: "only asymmetric algorithms (RS*, PS*, ES*, EdDSA)" })),
    ),
    AUTH_ROLE_CLAIM: z.string().min(1).default("roles"),
    AUTH_DOMAINS_CLAIM: optionalString,
    AUTH_CLOCK_TOLERANCE_SEC: envInt(30, { min: 0, max: 300 }),
    AUTH_JWKS_COOLDOWN_MS: envInt(30_000, { min: 0, max: 3_600_000 }),
    /** `id:sha256hex:role+role[:domain+domain]`, comma- or line-separated (from a Secret). */
    API_KEYS: ApiKeysEnv,
    /** Development only: every request is an all-powerful principal. Logged loudly at start. */
    AUTH_DISABLED: envBoolean(false),
    /** Requests per minute and principal on the API; 0 turns the limit off. */
    API_RATE_LIMIT_PER_MINUTE: envInt(600, { min: 0, max: 1_000_000 }),
    /** HMAC key for the pseudonyms readers see instead of personal data (32+ characters, a Secret). */
    PSEUDONYM_KEY: z.preprocess(emptyIsAbsent, z.string().min(32, "at least 32 characters").optional()),
  })
  .superRefine((env, ctx) => {
    const jwt = [env.AUTH_JWT_ISSUER, env.AUTH_JWT_AUDIENCE, env.AUTH_JWKS_URL];
    if (jwt.some((v) => v !== undefined) && jwt.some((v) => v === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_JWT_ISSUER"],
        message: "AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE and AUTH_JWKS_URL go together",
      });
    }
    const anyCredential = jwt.every((v) => v !== undefined) || env.API_KEYS.length > 0;
    if (!anyCredential && !env.AUTH_DISABLED) {
      ctx.addIssue({
        code: "custom",
        path: ["API_KEYS"],
        message:
          "no API authentication configured: set AUTH_JWT_ISSUER + AUTH_JWT_AUDIENCE + AUTH_JWKS_URL and/or API_KEYS " +
          "(or AUTH_DISABLED=true for local development only)",
      });
    }
    if (anyCredential && env.AUTH_DISABLED) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_DISABLED"],
        message: "AUTH_DISABLED=true together with credentials is contradictory: remove one",
      });
    }
  });

/** What `authenticate` needs (tests build it by hand). */
export interface AuthSettings {
  jwt?: JwtSettings | undefined;
  apiKeys: readonly ApiKeyEntry[];
  /** Development waiver: no credential asked, every request is the `development` principal. */
  disabled?: boolean;
  /** Requests per minute and principal; 0 = unlimited. */
  rateLimitPerMinute: number;
  pseudonymKey: string | undefined;
}

/**
 * The settings of an environment parsed with `ApiAuthEnv`.
 *
 * @example
 * const auth = authSettingsOf(loadConfig(z.intersection(ServiceEnv, ApiAuthEnv), process.env));
 */
export function authSettingsOf(env: z.output<typeof ApiAuthEnv>): AuthSettings {
  const { AUTH_JWT_ISSUER: issuer, AUTH_JWT_AUDIENCE: audience, AUTH_JWKS_URL: jwksUrl } = env;
  return {
    jwt:
      issuer && audience && jwksUrl
        ? {
            issuer,
            audience,
            jwksUrl,
            algorithms: env.AUTH_JWT_ALGORITHMS,
            roleClaim: env.AUTH_ROLE_CLAIM,
            domainsClaim: env.AUTH_DOMAINS_CLAIM,
            clockToleranceSec: env.AUTH_CLOCK_TOLERANCE_SEC,
            jwksCooldownMs: env.AUTH_JWKS_COOLDOWN_MS,
          }
        : undefined,
    apiKeys: env.API_KEYS,
    disabled: env.AUTH_DISABLED,
    rateLimitPerMinute: env.API_RATE_LIMIT_PER_MINUTE,
    pseudonymKey: env.PSEUDONYM_KEY,
  };
}

/**
 * The environment an operator CLI parses its service's schema with: it serves no API, so the API
 * authentication settings are set aside (and cannot refuse its start).
 *
 * @example
 * const config = billingConfigOf(loadConfigOrExit(BillingEnv, withoutApiAuth(process.env)));
 */
export function withoutApiAuth(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const rest = Object.fromEntries(
    Object.entries(env).filter(([name]) => !(name.startsWith("AUTH_") || name === "API_KEYS")),
  );
  return { ...rest, AUTH_DISABLED: "true" };
}
