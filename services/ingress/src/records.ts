import {
  type NormalizeContext,
  type Normalized,
  normalizeEventLogText,
  type RejectedMetadata,
  type Rejection,
  rejectedRecordHeaders,
  rejectedRecordKey,
} from "@parakey-bridge/contracts";
import type { OutgoingRecord } from "@parakey-bridge/kafka";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Normalizes a received body (exact bytes). Bytes that are not UTF-8 are rejected as `not_json`
 * instead of being decoded with replacement characters, which would silently change the event.
 *
 * @example
 * const result = normalizeBody(Buffer.from(text), { via: "webhook", receivedAt: clock.now() });
 */
export function normalizeBody(body: Uint8Array, context: NormalizeContext): Normalized {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, rejection: { reason: "not_json", detail: "body is not valid UTF-8" } };
  }
  return normalizeEventLogText(text, context);
}

/** The record of a payload that could not be normalized: its exact bytes, the reason in headers. */
export function rejectedRecord(
  body: Uint8Array,
  rejection: Rejection,
  meta: RejectedMetadata,
  topic: string,
): OutgoingRecord {
  return {
    topic,
    key: rejectedRecordKey(rejection),
    value: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    headers: rejectedRecordHeaders(rejection, meta),
  };
}
