import { z } from "zod";

/** The outcome of decoding a record value: a value that fails the contract is a value, not a throw. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Encodes a contract's value as a Kafka record value (UTF-8 JSON). */
export function encodeRecordValue(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), "utf8");
}

/**
 * Decodes a Kafka record value (UTF-8 JSON) and validates it against `schema`; a tombstone, a value
 * that is not JSON and one that fails the schema each come back with the reason.
 *
 * @example
 * const decoded = decodeRecordValue(DoorEvent, message.value);
 * if (!decoded.ok) deadLetter(decoded.reason);
 */
export function decodeRecordValue<T>(schema: z.ZodType<T>, value: Buffer | null): Decoded<T> {
  if (value === null) return { ok: false, reason: "record has no value (tombstone)" };
  let json: unknown;
  try {
    json = JSON.parse(value.toString("utf8"));
  } catch (error) {
    return { ok: false, reason: `value is not JSON: ${(error as Error).message}` };
  }
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, reason: z.prettifyError(parsed.error) };
}
