import { hash, timingSafeEqual } from "node:crypto";

/**
 * A set of accepted secrets (several at once, so credentials can be rotated without downtime),
 * compared in constant time. Both sides are hashed first, so `timingSafeEqual` always compares 32
 * bytes and neither the length of a secret nor the position of the first wrong character leaks; every
 * accepted secret is compared, so neither does which one matched.
 *
 * @example
 * const secrets = new SecretSet(["current-secret-value", "previous-secret-value"]);
 * secrets.has(request.headers.get("x-parakey-secret") ?? ""); // true for either
 */
export class SecretSet {
  private readonly digests: Buffer[];

  constructor(secrets: readonly string[]) {
    this.digests = secrets.map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  has(candidate: string): boolean {
    const presented = digest(candidate);
    let found = false;
    for (const known of this.digests) {
      // No early exit: the time taken does not depend on which secret (if any) matched.
      found = timingSafeEqual(known, presented) || found;
    }
    return found;
  }
}

/** SHA-256 in one call: for inputs this small, `hash` costs a fraction of a `createHash` object. */
function digest(value: string): Buffer {
  return hash("sha256", value, "buffer");
}
