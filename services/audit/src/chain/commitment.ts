import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { canonicalJson } from "./canonical.js";

/** Bytes of the random salt each row gets for its personal-data commitment. */
export const SALT_BYTES = 32;

/** A fresh per-row salt (hex). */
export function newSalt(): string {
  return randomBytes(SALT_BYTES).toString("hex");
}

/** `count` fresh salts (hex) from one call to the random source: a batch's rows, cheaper than one call each. */
export function newSalts(count: number): string[] {
  const bytes = randomBytes(SALT_BYTES * count);
  return Array.from({ length: count }, (_, i) => bytes.toString("hex", i * SALT_BYTES, (i + 1) * SALT_BYTES));
}

/**
 * The salted commitment to a row's personal data: HMAC-SHA-256 keyed by the row's random salt over
 * the canonical encoding of the data. The hash chain covers this commitment instead of the data, so
 * erasing the data and its salt leaves the chain verifiable. Without the salt the commitment says
 * nothing about the data: user ids are few and guessable, a plain hash of them would not be.
 *
 * @example
 * const salt = newSalt();
 * const commitment = commitPersonalData({ userId: "usr_1", fields: { user: { id: "usr_1" } } }, salt);
 */
export function commitPersonalData(personal: unknown, saltHex: string): string {
  return createHmac("sha256", Buffer.from(saltHex, "hex")).update(canonicalJson(personal)).digest("hex");
}

/** Whether `personal` with `saltHex` still matches the stored commitment (constant time). */
export function commitmentMatches(personal: unknown, saltHex: string, commitment: string): boolean {
  const expected = Buffer.from(commitPersonalData(personal, saltHex), "hex");
  const actual = Buffer.from(commitment, "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
