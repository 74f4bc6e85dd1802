import type { AuthConfig } from "../config.js";
import { SecretSet } from "./secret-set.js";

/** How a request proved who it is, or why it did not. Never carries the credential itself. */
export type AuthResult =
  | {
      ok: true;
      method: "basic" | "secret-header" | "insecure-none";
      /** Who sent it, for the per-sender rate limit: `basic:<user>`, `secret-header` or `anonymous`. */
      principal: string;
    }
  | { ok: false; reason: "missing_credentials" | "invalid_credentials" };

/** Checks the credentials of one request from its headers. */
export type Authenticator = (headers: Headers) => AuthResult;

/**
 * Builds the webhook authenticator from the configured credentials. Parakey can only send custom
 * headers (no signature), so a delivery is accepted when it carries any configured credential:
 * HTTP Basic (`Authorization: Basic …`) or the shared secret in the configured header. Every
 * configured credential is accepted at once, which is how they are rotated.
 *
 * @example
 * const authenticate = createAuthenticator({ basic: [], secretHeader: "x-parakey-secret", secrets: [s], insecureNoAuth: false });
 * authenticate(new Headers({ "x-parakey-secret": s })); // { ok: true, method: "secret-header" }
 */
export function createAuthenticator(config: AuthConfig): Authenticator {
  const basic = new SecretSet(config.basic.map(({ user, password }) => `${user}:${password}`));
  const secrets = new SecretSet(config.secrets);
  const secretHeader = config.secretHeader;
  if (basic.size === 0 && secrets.size === 0) {
    if (!config.insecureNoAuth) throw new Error("no webhook credential configured");
    return () => ({ ok: true, method: "insecure-none", principal: "anonymous" });
  }
  return (headers) => {
    let presented = false;
    const authorization = basic.size > 0 ? headers.get("authorization") : null;
    if (authorization !== null) {
      presented = true;
      const userPass = decodeBasic(authorization);
      if (userPass !== undefined && basic.has(userPass)) {
        return { ok: true, method: "basic", principal: `basic:${userPass.slice(0, userPass.indexOf(":"))}` };
      }
    }
    const secret = secretHeader && secrets.size > 0 ? headers.get(secretHeader) : null;
    if (secret !== null) {
      presented = true;
      if (secrets.has(secret)) return { ok: true, method: "secret-header", principal: "secret-header" };
    }
    return { ok: false, reason: presented ? "invalid_credentials" : "missing_credentials" };
  };
}

/**
 * The same authenticator, remembering its answer per request (per `Headers` object): the per-sender
 * rate limit and the webhook route both need it, and checking a credential hashes it (SHA-256) and
 * compares it with every configured one.
 *
 * @example
 * const authenticate = oncePerRequest(createAuthenticator(config.auth));
 * authenticate(c.req.raw.headers) === authenticate(c.req.raw.headers); // true: checked once
 */
export function oncePerRequest(authenticate: Authenticator): Authenticator {
  const answers = new WeakMap<Headers, AuthResult>();
  return (headers) => {
    let answer = answers.get(headers);
    if (answer === undefined) {
      answer = authenticate(headers);
      answers.set(headers, answer);
    }
    return answer;
  };
}

/** `Basic base64(user:password)` → `user:password`; undefined for any other scheme or shape. */
function decodeBasic(header: string): string | undefined {
  const match = /^basic +([A-Za-z0-9+/=._~-]+) *$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  return decoded.includes(":") ? decoded : undefined;
}
