import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { type Principal, ROLES, type Role } from "./principal.js";

/** One configured API key: its id (names the principal), the SHA-256 of the key, roles, domains. */
export interface ApiKeyEntry {
  id: string;
  sha256: string;
  roles: Role[];
  /** Undefined: every domain. */
  domains?: string[] | undefined;
}

const entry = z.string().transform((raw, ctx) => {
  const [id = "", sha256 = "", roles = "", domains, ...rest] = raw.split(":");
  const problems: string[] = [];
  if (rest.length > 0 || id === "") problems.push("expected id:sha256hex:role+role[:domain+domain]");
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) problems.push("the id is 1-64 of A-Z a-z 0-9 _ . -");
  if (!/^[0-9a-f]{64}$/i.test(sha256)) problems.push("the hash is 64 hex digits (sha256 of the key)");
  const roleList = roles.split("+").filter((r) => r.length > 0);
  const unknown = roleList.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (roleList.length === 0 || unknown.length > 0) problems.push(`roles are ${ROLES.join(", ")} joined by +`);
  const domainList = domains?.split("+").filter((d) => d.length > 0);
  if (domains !== undefined && domainList?.length === 0)
    problems.push("a domain list, when given, names one");
  if (problems.length > 0) {
    // The id only: the rest of the entry is credential material.
    ctx.addIssue({ code: "custom", message: `API key "${id}": ${problems.join("; ")}` });
    return z.NEVER;
  }
  return {
    id,
    sha256: sha256.toLowerCase(),
    roles: roleList as Role[],
    ...(domainList ? { domains: domainList } : {}),
  } satisfies ApiKeyEntry;
});

/**
 * `API_KEYS`: API key entries `id:sha256hex:role+role[:domain+domain]`, separated by commas or line
 * breaks (a Secret's value may be a file with one entry a line). Only hashes are configured, never the
 * keys; several keys at once is how a machine's key is rotated (add the new, deploy, remove the old).
 *
 * @example
 * ApiKeysEnv.parse("ci:9f86d0…0f00a08:reader, ops:60303a…:operator+reader:dom_hq")
 */
export const ApiKeysEnv = z
  .string()
  .optional()
  .transform((raw) =>
    (raw ?? "")
      .split(/[,\n\r]/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  )
  .pipe(z.array(entry))
  .superRefine((entries, ctx) => {
    const ids = new Set<string>();
    const hashes = new Set<string>();
    for (const e of entries) {
      if (ids.has(e.id)) ctx.addIssue({ code: "custom", message: `API key id "${e.id}" is given twice` });
      if (hashes.has(e.sha256)) ctx.addIssue({ code: "custom", message: `API key "${e.id}" reuses a key` });
      ids.add(e.id);
      hashes.add(e.sha256);
    }
  });

/** SHA-256 of a key, hex: what `API_KEYS` holds. Keys are 32+ random bytes, so a fast hash is enough. */
export function apiKeyHash(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * The configured API keys, looked up by the hash of the presented key in constant time: every
 * configured hash is compared, with no early exit, so the time taken tells nothing about which (if
 * any) matched.
 *
 * @example
 * const keys = new ApiKeyRing([{ id: "ci", sha256: apiKeyHash(key), roles: ["reader"] }]);
 * keys.principalOf(key); // { id: "ci", kind: "api_key", roles: Set {"reader"}, domains: "all" }
 */
export class ApiKeyRing {
  private readonly entries: { digest: Buffer; principal: Principal }[];

  constructor(entries: readonly ApiKeyEntry[]) {
    this.entries = entries.map((e) => ({
      digest: Buffer.from(e.sha256, "hex"),
      principal: {
        id: e.id,
        kind: "api_key",
        roles: new Set(e.roles),
        domains: e.domains ? new Set(e.domains) : "all",
      },
    }));
  }

  get size(): number {
    return this.entries.length;
  }

  principalOf(presented: string): Principal | undefined {
    const digest = createHash("sha256").update(presented, "utf8").digest();
    let found: Principal | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(e.digest, digest) && found === undefined) found = e.principal;
    }
    return found;
  }
}
