import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";

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

  /**
   * Seals text that carries personal data (a page cursor holding a user id) for a principal who may
   * not read it: AES-256-GCM under a key derived from the pseudonym key, so it is opaque and cannot be
   * altered. Unsealing needs the same key (set `PSEUDONYM_KEY` when several replicas serve pages).
   */
  seal(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.sealKey(), iv);
    const sealed = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
  }

  /** The text of a `seal` result; undefined for anything else (forged, altered, another key). */
  unseal(sealed: string): string | undefined {
    const bytes = Buffer.from(sealed, "base64url");
    if (bytes.length < 29) return undefined;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.sealKey(), bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
    } catch {
      // Authentication failed: not a value we sealed. The caller answers 400 as for any bad cursor.
      return undefined;
    }
  }

  private sealKey(): Buffer {
    return createHmac("sha256", this.key).update("parakey-bridge seal v1").digest();
  }
}
