import { z } from "zod";
import type { DoorEvent, Via } from "./door-event.js";
import {
  deviceIdOf,
  domainIdOf,
  type OriginalEventLog,
  PARAKEY_PAYLOAD_VERSION,
  ParakeyEventLog,
  parseInstant,
  successOf,
  userIdOf,
} from "./parakey-event-log.js";

/** Why an event log could not be normalized. Stable values: used as a metric label and a Kafka header. */
export const RejectionReason = z.enum([
  "not_json",
  "not_an_object",
  "missing_id",
  "missing_device_id",
  "invalid_timestamp",
  "invalid_created_at",
]);
export type RejectionReason = z.infer<typeof RejectionReason>;

/** A payload that cannot become a DoorEvent, with what could still be read from it. */
export interface Rejection {
  reason: RejectionReason;
  /** Human-readable detail for operators. Never contains the payload itself. */
  detail: string;
  eventLogId?: string;
  deviceId?: string;
}

export type Normalized = { ok: true; event: DoorEvent } | { ok: false; rejection: Rejection };

export interface NormalizeContext {
  via: Via;
  /** When the bridge received the payload. */
  receivedAt: Date;
  /** The payload API version the source speaks; Parakey's default when omitted. */
  payloadVersion?: string;
}

const reject = (reason: RejectionReason, detail: string, extra: Partial<Rejection> = {}): Normalized => ({
  ok: false,
  rejection: { reason, detail, ...extra },
});

/**
 * Turns one received event log (already-parsed JSON) into a DoorEvent, or says why it cannot.
 * Never throws on bad input: a rejection is a value the caller routes to the rejected topic.
 *
 * @example
 * const result = normalizeEventLog(body, { via: "webhook", receivedAt: new Date() });
 * if (result.ok) produce(result.event); else reject(result.rejection.reason);
 */
export function normalizeEventLog(input: unknown, context: NormalizeContext): Normalized {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    const kind = input === null ? "null" : Array.isArray(input) ? "an array" : typeof input;
    return reject("not_an_object", `expected a JSON object, got ${kind}`);
  }
  const original = input as Record<string, unknown>;
  const typed = ParakeyEventLog.safeParse(typedView(original));
  if (!typed.success) return reject("missing_id", "field `id` is missing or not a non-empty string/number");
  const log = typed.data;
  const eventLogId = String(log.id);
  const deviceId = deviceIdOf(log);
  if (deviceId === undefined) {
    return reject("missing_device_id", "none of device.id, deviceId, eventConfiguration.id is present", {
      eventLogId,
    });
  }
  const occurredAt = parseInstant(log.timestamp);
  if (occurredAt === undefined) {
    return reject("invalid_timestamp", describeInstant("timestamp", log.timestamp), { eventLogId, deviceId });
  }
  const recordedAt = parseInstant(log.createdAt);
  if (recordedAt === undefined) {
    return reject("invalid_created_at", describeInstant("createdAt", log.createdAt), {
      eventLogId,
      deviceId,
    });
  }
  return {
    ok: true,
    event: {
      eventLogId,
      deviceId,
      domainId: domainIdOf(log) ?? null,
      userId: userIdOf(log) ?? null,
      success: successOf(log) ?? null,
      occurredAt: occurredAt.toISOString(),
      recordedAt: recordedAt.toISOString(),
      receivedAt: context.receivedAt.toISOString(),
      delayMs: recordedAt.getTime() - occurredAt.getTime(),
      via: context.via,
      payloadVersion: context.payloadVersion ?? PARAKEY_PAYLOAD_VERSION,
      // The original, untouched: fields we could not type (say `success: "yes"`) stay as received.
      eventLog: original as OriginalEventLog,
    },
  };
}

/**
 * The payload with every known optional field that has an unexpected type left out, so one odd
 * field never costs the event: such a field is not guessed at, and the original keeps it.
 */
function typedView(input: Record<string, unknown>): Record<string, unknown> {
  const view: Record<string, unknown> = { ...input };
  const shape = ParakeyEventLog.shape;
  for (const key of Object.keys(shape) as (keyof typeof shape)[]) {
    if (key !== "id" && key in view && !shape[key].safeParse(view[key]).success) delete view[key];
  }
  return view;
}

function describeInstant(field: string, value: unknown): string {
  if (value === undefined || value === null) return `field \`${field}\` is missing`;
  return `field \`${field}\` is not an ISO-8601 instant with a time zone`;
}

/**
 * Parses a request or response body (UTF-8 text) and normalizes it. Bodies that are not JSON are
 * rejected as `not_json`.
 */
export function normalizeEventLogText(text: string, context: NormalizeContext): Normalized {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return reject("not_json", `body is not valid JSON: ${(error as Error).message}`);
  }
  return normalizeEventLog(json, context);
}
