import { createErrorHandler } from "@parakey-bridge/service-kit";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { type CryptoKey, exportSPKI, importJWK, SignJWT } from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate } from "./authenticate.js";
import type { AuthSettings } from "./config.js";
import { type AuthenticatedEnv, principalOf, requireRole } from "./principal.js";
import { rateLimitPerPrincipal } from "./rate-limit.js";
import { TestIssuer, testApiKeys } from "./testing.js";

const log = pino({ level: "silent" });

/** A small API behind the middleware, answering who the caller is. */
function appWith(settings: AuthSettings): Hono<AuthenticatedEnv> {
  const app = new Hono<AuthenticatedEnv>();
  app.use("*", requestId());
  app.use(
    "*",
    authenticate(settings, { log }),
    rateLimitPerPrincipal({ limitPerMinute: settings.rateLimitPerMinute }),
  );
  app.get("/whoami", (c) => {
    const p = principalOf(c);
    return c.json({
      id: p.id,
      kind: p.kind,
      roles: [...p.roles].sort(),
      domains: p.domains === "all" ? "all" : [...p.domains].sort(),
    });
  });
  app.post("/close", requireRole("operator"), (c) => c.json({ closed: true }));
  app.onError(createErrorHandler(log));
  return app;
}

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

// A real JWKS endpoint on 127.0.0.1 and keys made here: what an enterprise's SSO looks like to us.
describe("authenticate: OpenID Connect bearer tokens and API keys", () => {
  let issuer: TestIssuer;
  let app: Hono<AuthenticatedEnv>;
  const keys = testApiKeys({
    ci: { roles: ["reader"] },
    "ops-hq": { roles: ["operator", "reader"], domains: ["dom_hq"] },
  });

  beforeAll(async () => {
    issuer = await TestIssuer.start();
    app = appWith({ ...keys.settings, jwt: issuer.jwtSettings() });
  });
  afterAll(() => issuer.stop());

  const call = (headers: Record<string, string> = {}, path = "/whoami", method = "GET") =>
    app.request(path, { method, headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  async function expect401(res: Response, error?: string) {
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate");
    expect(challenge).toMatch(/^Bearer realm="parakey-bridge"/);
    if (error) expect(challenge).toContain(`error="${error}"`);
    expect(await res.json()).toEqual({
      error: { code: "unauthenticated", message: expect.any(String), requestId: expect.any(String) },
    });
  }

  describe("happy", () => {
    it("accepts a valid token and takes roles and domains from its claims", async () => {
      const token = await issuer.token({
        sub: "ada",
        roles: ["auditor", "unknown-role"],
        domains: ["dom_a"],
      });
      const res = await call(bearer(token));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: "ada", kind: "jwt", roles: ["auditor"], domains: ["dom_a"] });
    });

    it("reads nested claims and '*' as every domain", async () => {
      const nested = appWith({
        ...keys.settings,
        jwt: issuer.jwtSettings({ roleClaim: "realm_access.roles", domainsClaim: "pb.domains" }),
      });
      const token = await issuer.token({ realm_access: { roles: ["operator"] }, pb: { domains: "*" } });
      const res = await nested.request("/whoami", { headers: bearer(token) });
      expect(await res.json()).toMatchObject({ roles: ["operator"], domains: "all" });
    });

    it("accepts each configured API key, as Bearer or X-API-Key, with its roles and domains", async () => {
      expect(await (await call(keys.headers("ci"))).json()).toEqual({
        id: "ci",
        kind: "api_key",
        roles: ["reader"],
        domains: "all",
      });
      expect(await (await call({ "x-api-key": keys.key("ops-hq") })).json()).toEqual({
        id: "ops-hq",
        kind: "api_key",
        roles: ["operator", "reader"],
        domains: ["dom_hq"],
      });
    });

    it("picks up a key rotation at the issuer without a restart", async () => {
      const before = await issuer.token({ sub: "before" });
      expect((await call(bearer(before))).status).toBe(200);
      await issuer.rotate();
      const after = await issuer.token({ sub: "after" });
      const res = await call(bearer(after));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: "after" });
      // The old key is no longer published: its tokens stop working once the set was refreshed.
      await expect401(await call(bearer(before)), "invalid_token");
    });
  });

  describe("security: every bad credential is a 401 with WWW-Authenticate", () => {
    it("answers 401 without credentials", async () => {
      await expect401(await call());
    });

    it("answers 401 for a malformed Authorization header", async () => {
      await expect401(await call({ authorization: "Basic dXNlcjpwYXNz" }), "invalid_request");
      await expect401(await call({ authorization: "Bearer" }), "invalid_request");
    });

    it("answers 401 for an unknown API key", async () => {
      await expect401(await call(bearer("pbk_not-a-configured-key")), "invalid_token");
    });

    it("answers 401 for an expired token", async () => {
      // Expired two minutes ago: beyond the 30 s clock tolerance.
      await expect401(await call(bearer(await issuer.token({}, { expiresInSec: -120 }))), "invalid_token");
    });

    it("answers 401 for a token for another audience", async () => {
      await expect401(
        await call(bearer(await issuer.token({}, { audience: "another-api" }))),
        "invalid_token",
      );
    });

    it("answers 401 for a token from another issuer", async () => {
      await expect401(
        await call(bearer(await issuer.token({}, { issuer: "https://evil.test/" }))),
        "invalid_token",
      );
    });

    it("answers 401 for a token naming a kid the issuer does not publish", async () => {
      await expect401(await call(bearer(await issuer.token({}, { kid: "no-such-kid" }))), "invalid_token");
    });

    it("answers 401 for a token signed by a key that is not the issuer's, under the issuer's kid", async () => {
      const other = await TestIssuer.start();
      try {
        const forged = await other.token({ roles: ["operator"] }, { kid: String(issuer.publicJwk().kid) });
        await expect401(await call(bearer(forged)), "invalid_token");
      } finally {
        await other.stop();
      }
    });

    it("answers 401 for an unsigned token (alg: none)", async () => {
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${b64url({ alg: "none", typ: "JWT", kid: issuer.publicJwk().kid })}.${b64url({
        sub: "mallory",
        roles: ["operator"],
        iss: issuer.issuer,
        aud: issuer.audience,
        exp: now + 300,
      })}.`;
      await expect401(await call(bearer(unsigned)), "invalid_token");
    });

    it("answers 401 for an HMAC token signed with the issuer's public key as the secret", async () => {
      const jwk = issuer.publicJwk();
      const pem = await exportSPKI((await importJWK(jwk, "RS256", { extractable: true })) as CryptoKey);
      const now = Math.floor(Date.now() / 1000);
      for (const secret of [pem, JSON.stringify(jwk)]) {
        const forged = await new SignJWT({ sub: "mallory", roles: ["operator"] })
          .setProtectedHeader({ alg: "HS256", kid: String(jwk.kid) })
          .setIssuer(issuer.issuer)
          .setAudience(issuer.audience)
          .setExpirationTime(now + 300)
          .sign(new TextEncoder().encode(secret));
        await expect401(await call(bearer(forged)), "invalid_token");
      }
    });

    it("answers 503, not 401, when the issuer's keys cannot be fetched", async () => {
      const gone = await TestIssuer.start();
      const unreachable = appWith({ ...keys.settings, jwt: gone.jwtSettings() });
      const token = await gone.token();
      await gone.stop();
      const res = await unreachable.request("/whoami", { headers: bearer(token) });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("auth_unavailable");
    });
  });

  describe("authorization", () => {
    it("answers 403 in the one error shape to a valid principal without the role", async () => {
      const res = await call(keys.headers("ci"), "/close", "POST");
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: { code: "forbidden", message: "this needs the role operator", requestId: expect.any(String) },
      });
      expect((await call(keys.headers("ops-hq"), "/close", "POST")).status).toBe(200);
    });

    it("gives a token without roles no role", async () => {
      const res = await call(bearer(await issuer.token({ sub: "nobody" })), "/close", "POST");
      expect(res.status).toBe(403);
    });

    it("gives a token without the domains claim no domain once tenancy is configured", async () => {
      const res = await call(bearer(await issuer.token({ sub: "no-domains", roles: ["reader"] })));
      expect(await res.json()).toMatchObject({ domains: [] });
    });
  });

  describe("rate limit per principal", () => {
    it("answers 429 with Retry-After to a noisy principal while another is still served", async () => {
      const limited = testApiKeys(
        { noisy: { roles: ["reader"] }, quiet: { roles: ["reader"] } },
        { rateLimitPerMinute: 3 },
      );
      const api = appWith(limited.settings);
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 5; i++) {
        last = await api.request("/whoami", { headers: limited.headers("noisy") });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      if (!last) throw new Error("no request was made");
      expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await last.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
      expect((await api.request("/whoami", { headers: limited.headers("quiet") })).status).toBe(200);
    });
  });

  it("lets every request through as the development principal when auth is waived, and warns", async () => {
    const warnings: string[] = [];
    const app = new Hono<AuthenticatedEnv>();
    app.use(
      "*",
      authenticate(
        { apiKeys: [], disabled: true, rateLimitPerMinute: 0, pseudonymKey: undefined },
        {
          log: { warn: (_o, msg) => warnings.push(msg) },
        },
      ),
    );
    app.get("/", (c) => c.json({ id: principalOf(c).id }));
    expect(await (await app.request("/")).json()).toEqual({ id: "development" });
    expect(warnings.join()).toContain("API AUTHENTICATION IS DISABLED");
  });
});
