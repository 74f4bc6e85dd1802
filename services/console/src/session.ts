import { randomBytes } from "node:crypto";
import { ApiKeyRing, type AuthSettings, type Principal, ROLES, type Role } from "@parakey-bridge/auth";
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { z } from "zod";

const COOKIE = "pb_console_session";
const Session = z.object({
  id: z.string(),
  kind: z.enum(["api_key", "development"]),
  roles: z.array(z.enum(ROLES)),
  domains: z.union([z.literal("all"), z.array(z.string())]),
  exp: z.number(),
});

/**
 * Browser sessions of the console: an operator or auditor signs in once with their API key (the same
 * hashed keys as every API, from the Secret); the session is an HMAC-signed cookie naming the key's
 * id, roles and domains (never the key), HttpOnly, SameSite=Strict, Secure behind HTTPS, expiring
 * after `ttlMs`. Rotating the secret signs everyone out.
 */
export class Sessions {
  private readonly keys: ApiKeyRing;
  private readonly secret: string;

  constructor(
    private readonly auth: AuthSettings,
    options: { secret?: string | undefined; ttlMs?: number; secure?: boolean; now(): Date },
  ) {
    this.keys = new ApiKeyRing(auth.apiKeys);
    this.secret = options.secret ?? randomBytes(32).toString("hex");
    this.ttlMs = options.ttlMs ?? 8 * 3_600_000;
    this.secure = options.secure ?? false;
    this.now = options.now;
  }
  private readonly ttlMs: number;
  private readonly secure: boolean;
  private readonly now: () => Date;

  /** Signs in with an API key; `undefined` when the key is not valid. */
  async signIn(c: Context, apiKey: string): Promise<Principal | undefined> {
    const principal: Principal | undefined = this.auth.disabled
      ? { id: "development", kind: "development", roles: new Set(ROLES), domains: "all" }
      : this.keys.principalOf(apiKey.trim());
    if (principal === undefined || principal.kind === "jwt") return undefined;
    const session: z.infer<typeof Session> = {
      id: principal.id,
      kind: principal.kind,
      roles: [...principal.roles],
      domains: principal.domains === "all" ? "all" : [...principal.domains],
      exp: this.now().getTime() + this.ttlMs,
    };
    await setSignedCookie(
      c,
      COOKIE,
      Buffer.from(JSON.stringify(session)).toString("base64url"),
      this.secret,
      {
        httpOnly: true,
        sameSite: "Strict",
        secure: this.secure,
        path: "/",
        maxAge: Math.floor(this.ttlMs / 1000),
      },
    );
    return principal;
  }

  signOut(c: Context): void {
    deleteCookie(c, COOKIE, { path: "/" });
  }

  /** The signed-in principal, or `undefined` (no cookie, a forged or expired one). */
  async principal(c: Context): Promise<Principal | undefined> {
    const raw = await getSignedCookie(c, this.secret, COOKIE);
    if (typeof raw !== "string") return undefined;
    let parsed: z.infer<typeof Session>;
    try {
      parsed = Session.parse(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")));
    } catch {
      return undefined;
    }
    if (parsed.exp <= this.now().getTime()) return undefined;
    return {
      id: parsed.id,
      kind: parsed.kind,
      roles: new Set<Role>(parsed.roles),
      domains: parsed.domains === "all" ? "all" : new Set(parsed.domains),
    };
  }
}
