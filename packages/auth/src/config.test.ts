import { loadConfig } from "@parakey-bridge/config";
import { describe, expect, it } from "vitest";
import { apiKeyHash } from "./api-keys.js";
import { ApiAuthEnv, authSettingsOf, withoutApiAuth } from "./config.js";

const hash = apiKeyHash("pbk_some-long-random-key");
const other = apiKeyHash("pbk_another-long-random-key");

describe("ApiAuthEnv", () => {
  it("reads OpenID Connect settings and API keys with roles and domains", () => {
    const settings = authSettingsOf(
      loadConfig(ApiAuthEnv, {
        AUTH_JWT_ISSUER: "https://sso.example.com/realms/acme",
        AUTH_JWT_AUDIENCE: "parakey-bridge",
        AUTH_JWKS_URL: "https://sso.example.com/realms/acme/protocol/openid-connect/certs",
        AUTH_ROLE_CLAIM: "realm_access.roles",
        AUTH_DOMAINS_CLAIM: "domains",
        API_KEYS: `ci:${hash}:reader\nops:${other.toUpperCase()}:operator+reader:dom_a+dom_b`,
      }),
    );
    expect(settings.jwt).toMatchObject({
      issuer: "https://sso.example.com/realms/acme",
      algorithms: ["RS256", "ES256", "EdDSA"],
      roleClaim: "realm_access.roles",
      domainsClaim: "domains",
      clockToleranceSec: 30,
    });
    expect(settings.apiKeys).toEqual([
      { id: "ci", sha256: hash, roles: ["reader"] },
      { id: "ops", sha256: other, roles: ["operator", "reader"], domains: ["dom_a", "dom_b"] },
    ]);
    expect(settings.rateLimitPerMinute).toBe(600);
  });

  it("refuses to start with no API authentication unless explicitly waived", () => {
    expect(() => loadConfig(ApiAuthEnv, {})).toThrow(/no API authentication configured/);
    expect(authSettingsOf(loadConfig(ApiAuthEnv, { AUTH_DISABLED: "true" })).disabled).toBe(true);
  });

  it("refuses the waiver together with credentials", () => {
    expect(() => loadConfig(ApiAuthEnv, { AUTH_DISABLED: "true", API_KEYS: `ci:${hash}:reader` })).toThrow(
      /contradictory/,
    );
  });

  it("refuses half an OpenID Connect configuration", () => {
    expect(() =>
      loadConfig(ApiAuthEnv, { AUTH_JWT_ISSUER: "https://sso.example.com", API_KEYS: `ci:${hash}:reader` }),
    ).toThrow(/go together/);
  });

  it("refuses symmetric and unsigned algorithms", () => {
    for (const alg of ["HS256", "none"]) {
      expect(() =>
        loadConfig(ApiAuthEnv, { AUTH_JWT_ALGORITHMS: alg, API_KEYS: `ci:${hash}:reader` }),
      ).toThrow(/only asymmetric algorithms/);
    }
  });

  it.each([
    [`ci:${hash}`, "roles are"],
    [`ci:${hash}:admin`, "roles are"],
    [`ci:not-a-hash:reader`, "64 hex digits"],
    [`ci:${hash}:reader:`, "names one"],
    [`ci:${hash}:reader,ci:${other}:reader`, "given twice"],
    [`ci:${hash}:reader,ops:${hash}:operator`, "reuses a key"],
  ])("refuses the API key entry %s (%s) and names only its id", (entry, message) => {
    expect(() => loadConfig(ApiAuthEnv, { API_KEYS: entry })).toThrow(message);
    try {
      loadConfig(ApiAuthEnv, { API_KEYS: entry });
    } catch (error) {
      expect(String(error)).not.toContain(hash);
    }
  });

  it("sets the API authentication aside for operator CLIs, which serve no API", () => {
    const env = withoutApiAuth({
      KAFKA_BROKERS: "k:9092",
      API_KEYS: `ci:${hash}:reader`,
      AUTH_JWT_ISSUER: "x",
    });
    expect(env).toEqual({ KAFKA_BROKERS: "k:9092", AUTH_DISABLED: "true" });
    expect(authSettingsOf(loadConfig(ApiAuthEnv, env)).disabled).toBe(true);
  });
});
