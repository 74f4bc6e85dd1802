import { createHash } from "node:crypto";
import {
  type NormalizeContext,
  type Normalized,
  normalizeEventLogText,
  type RejectedMetadata,
  type Rejection,
  rejectedRecordHeaders,
  rejectedRecordKey,
} from "@parakey-bridge/contracts";
import { type OutgoingRecord, RecordTooLargeError } from "@parakey-bridge/kafka";

/**
 * Where accepted and rejected event logs go. `send` resolves only once every record is durably
 * stored (Kafka: acknowledged with acks=all) and rejects when that did not happen within the produce
 * budget. The `BatchingProducer` of @parakey-bridge/kafka is one; unit tests use an in-memory sink.
 */
export interface EventSink {
  send(records: OutgoingRecord | OutgoingRecord[]): Promise<void>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * How many first bytes of a payload are kept on the rejected topic when the whole is too large to
 * keep (a body over the webhook limit, a payload over the rejected topic's `max.message.bytes`):
 * enough to find the event log's id and device, with the whole's size and SHA-256 beside it.
 */
export const REJECTED_PREFIX_BYTES = 16 * 1024;

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

/**
 * The record of a payload that could not be normalized: its exact bytes, the reason in headers (and,
 * when `meta.truncatedFrom` is set, `body` is only the payload's first bytes).
 */
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

/**
 * Stores a rejected payload: its exact bytes, or — when the rejected topic refuses them as too large
 * — its first `REJECTED_PREFIX_BYTES` with the whole's size and SHA-256. Resolves once Kafka
 * acknowledged; rejects (the caller answers 503) when it did not.
 *
 * @example
 * await sendRejected(producer, body, rejection, { via: "webhook", receivedAt }, topics.rejected);
 */
export async function sendRejected(
  sink: EventSink,
  body: Uint8Array,
  rejection: Rejection,
  meta: RejectedMetadata,
  topic: string,
): Promise<void> {
  try {
    await sink.send(rejectedRecord(body, rejection, meta, topic));
  } catch (error) {
    if (!(error instanceof RecordTooLargeError)) throw error;
    // Already a prefix (a body over the webhook limit): the size and digest stay the whole body's.
    const truncatedFrom = meta.truncatedFrom ?? {
      bytes: body.byteLength,
      sha256: createHash("sha256").update(body).digest("hex"),
    };
    // Headers count against the limit too: leave them a few KiB.
    const keep = Math.max(0, Math.min(REJECTED_PREFIX_BYTES, error.maxBytes - 4_096));
    await sink.send(rejectedRecord(body.subarray(0, keep), rejection, { ...meta, truncatedFrom }, topic));
  }
}

/**
 * Produces an event's record; when its topic refuses it as too large (`record_too_large`, a
 * permanent condition), stores `original` on the rejected topic instead, so one oversized event
 * neither fails its batch nor loops on 503. Resolves with what happened.
 *
 * @example
 * const outcome = await sendEventOrReject(sink, record, { body, meta, topic: topics.rejected });
 */
export async function sendEventOrReject(
  sink: EventSink,
  record: OutgoingRecord,
  original: {
    /** The payload as received; a function when making the bytes costs work (only a rejection needs them). */
    body: Uint8Array | (() => Uint8Array);
    meta: RejectedMetadata;
    topic: string;
    eventLogId: string;
    deviceId: string;
  },
): Promise<{ stored: "event" } | { stored: "rejected"; rejection: Rejection }> {
  try {
    await sink.send(record);
    return { stored: "event" };
  } catch (error) {
    if (!(error instanceof RecordTooLargeError)) throw error;
    const rejection: Rejection = {
      reason: "record_too_large",
      detail: error.message,
      eventLogId: original.eventLogId,
      deviceId: original.deviceId,
    };
    const body = typeof original.body === "function" ? original.body() : original.body;
    await sendRejected(sink, body, rejection, original.meta, original.topic);
    return { stored: "rejected", rejection };
  }
}

/**
 * The bytes a poller item is stored with on the rejected topic: its JSON as it stood in the page.
 * An item nested too deeply for JSON.stringify gets an empty value (its rejection says why): the
 * page goes on instead of failing on it every cycle.
 */
export function itemBytes(raw: unknown): Buffer {
  try {
    return Buffer.from(JSON.stringify(raw) ?? "null", "utf8");
  } catch {
    return Buffer.alloc(0);
  }
}
