import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { type ApiKeyEntry, apiKeyHash } from "./api-keys.js";
import type { AuthSettings } from "./config.js";
import type { JwtSettings } from "./jwt.js";
import type { Role } from "./principal.js";

/**
 * API keys made for a test, one per named principal, and the settings that accept them.
 *
 * @example
 * const keys = testApiKeys({ reader: { roles: ["reader"] }, hq: { roles: ["reader"], domains: ["dom_hq"] } });
 * const app = createApp({ ..., auth: keys.settings });
 * await app.request("/v1/...", { headers: keys.headers("hq") });
 */
export function testApiKeys<N extends string>(
  principals: Record<N, { roles: Role[]; domains?: string[] }>,
  options: { rateLimitPerMinute?: number } = {},
): { settings: AuthSettings; key(name: N): string; headers(name: N): Record<string, string> } {
  const keys = new Map<string, string>();
  const entries: ApiKeyEntry[] = [];
  for (const [id, p] of Object.entries(principals) as [N, { roles: Role[]; domains?: string[] }][]) {
    const key = `pbk_${randomBytes(24).toString("base64url")}`;
    keys.set(id, key);
    entries.push({
      id,
      sha256: apiKeyHash(key),
      roles: p.roles,
      ...(p.domains ? { domains: p.domains } : {}),
    });
  }
  const key = (name: N) => {
    const value = keys.get(name);
    if (value === undefined) throw new Error(`no test key ${name}`);
    return value;
  };
  return {
    settings: {
      apiKeys: entries,
      rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
      pseudonymKey: "test-pseudonym-key-0123456789abcdef",
    },
    key,
    headers: (name) => ({ authorization: `Bearer ${key(name)}` }),
  };
}

interface IssuerKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * An OpenID Connect issuer for tests: a JWKS endpoint on 127.0.0.1 (ephemeral port) serving keys made
 * in the test, and tokens signed by them. `rotate()` replaces the served keys, as an issuer does.
 *
 * @example
 * const issuer = await TestIssuer.start();
 * const token = await issuer.token({ sub: "ada", roles: ["auditor"] });
 * await issuer.stop();
 */
export class TestIssuer {
  readonly issuer = "https://issuer.test/";
  readonly audience = "parakey-bridge-api";
  private keys: IssuerKey[] = [];
  /** How many times the JWKS was fetched. */
  fetches = 0;

  private constructor(
    private readonly server: Server,
    readonly jwksUrl: string,
  ) {}

  static async start(): Promise<TestIssuer> {
    let self: TestIssuer | undefined;
    const server = createServer((req, res) => {
      if (!self || req.url !== "/jwks.json") {
        res.writeHead(404).end();
        return;
      }
      self.fetches += 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: self.keys.map((k) => k.publicJwk) }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    self = new TestIssuer(server, `http://127.0.0.1:${port}/jwks.json`);
    await self.rotate();
    return self;
  }

  /** Settings that trust this issuer (jose's JWKS refetch cooldown off, so a rotation is seen at once). */
  jwtSettings(overrides: Partial<JwtSettings> = {}): JwtSettings {
    return {
      issuer: this.issuer,
      audience: this.audience,
      jwksUrl: this.jwksUrl,
      algorithms: ["RS256", "ES256", "EdDSA"],
      roleClaim: "roles",
      domainsClaim: "domains",
      clockToleranceSec: 30,
      jwksCooldownMs: 0,
      ...overrides,
    };
  }

  /** A new signing key (RS256) replaces the served ones; the previous ones are no longer published. */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const kid = `key-${randomBytes(6).toString("hex")}`;
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
    this.keys = [{ kid, privateKey, publicJwk }];
    return kid;
  }

  /** The public key currently served, as a JWK (what an attacker can read too). */
  publicJwk(): JWK {
    return this.current().publicJwk;
  }

  /**
   * A token signed by the current key. `claims` go in the payload (`sub` defaults to `user-1`);
   * `iss`, `aud`, `exp` (seconds from now) and `kid` may be overridden to make bad tokens.
   */
  async token(
    claims: JWTPayload = {},
    options: {
      issuer?: string;
      audience?: string;
      expiresInSec?: number;
      kid?: string;
      signWith?: CryptoKey;
    } = {},
  ): Promise<string> {
    const key = this.current();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: "user-1", ...claims })
      .setProtectedHeader({ alg: "RS256", kid: options.kid ?? key.kid })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? this.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresInSec ?? 300))
      .sign(options.signWith ?? key.privateKey);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }

  private current(): IssuerKey {
    const key = this.keys[0];
    if (!key) throw new Error("the test issuer has no key");
    return key;
  }
}
