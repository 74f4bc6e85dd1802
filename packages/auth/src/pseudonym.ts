import { createHmac, randomBytes } from "node:crypto";

/**
 * Pseudonyms for what identifies a person (a user id), shown to principals that may not read personal
 * data: a keyed HMAC, so the same person has the same pseudonym across answers (a reader can still
 * count and correlate), but without the key nobody can recompute it from a guessed id. The key comes
 * from `PSEUDONYM_KEY` (a Secret, the same for every replica); without it a random key per process
 * still hides the ids, but pseudonyms change on restart and differ between replicas.
 *
 * @example
 * const pseudonyms = new Pseudonymiser(config.auth.pseudonymKey);
 * pseudonyms.of("usr_42"); // "psn_Vq3…" (22 characters after the prefix)
 */
export class Pseudonymiser {
  private readonly key: Buffer;
  readonly stable: boolean;

  constructor(key: string | undefined) {
    this.stable = key !== undefined;
    this.key = key === undefined ? randomBytes(32) : Buffer.from(key, "utf8");
  }

  of(value: string): string {
    return `psn_${createHmac("sha256", this.key).update(value, "utf8").digest("base64url").slice(0, 22)}`;
  }
}
