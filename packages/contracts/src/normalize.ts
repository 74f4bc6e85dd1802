import { isSafeNumber } from "lossless-json";
import { z } from "zod";
import { deliverable, isStorableInstant } from "./deliverable.js";
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

/**
 * Why an event log could not be normalized or delivered. Stable values: used as a metric label and
 * the `pb-reject-reason` header on the rejected topic.
 * - `too_large`: the body was over the webhook's limit; the rejected record holds a bounded prefix,
 *   the size and a SHA-256 of the whole body.
 * - `unsafe_number`: a number a 64-bit float cannot hold exactly (an integer above 2^53, more
 *   significant digits than a double keeps): accepting it would silently change it, and two
 *   distinct large ids would collide.
 * - `too_deep`, `unstorable_text`, `contract_violation`: the event would not survive the consumers'
 *   decoder or stores (see `DELIVERABLE_LIMITS`).
 * - `record_too_large`: the encoded event is larger than the event topic accepts (`max.message.bytes`).
 */
export const RejectionReason = z.enum([
  "not_json",
  "not_an_object",
  "missing_id",
  "missing_device_id",
  "invalid_timestamp",
  "invalid_created_at",
  "too_large",
  "unsafe_number",
  "too_deep",
  "unstorable_text",
  "contract_violation",
  "record_too_large",
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

/**
 * A normalized event with its record value (`encodeDoorEvent(event)`, already checked against the
 * consumers' decoder), or why the payload was rejected.
 */
export type Normalized = { ok: true; event: DoorEvent; value: Buffer } | { ok: false; rejection: Rejection };

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
  // Most event logs have no odd field: the whole parse then gives what the typed view would.
  const whole = ParakeyEventLog.safeParse(original);
  const typed = whole.success ? whole : ParakeyEventLog.safeParse(typedView(original));
  if (!typed.success) return reject("missing_id", "field `id` is missing or not a non-empty string/number");
  const log = typed.data;
  if (typeof log.id === "number" && !Number.isSafeInteger(log.id) && Number.isInteger(log.id)) {
    // Already rounded by whoever parsed it: two distinct events may now share this id.
    return reject(
      "unsafe_number",
      "field `id` is an integer above 2^53, which JSON.parse cannot hold exactly",
    );
  }
  const eventLogId = String(log.id);
  const deviceId = deviceIdOf(log);
  if (deviceId === undefined) {
    return reject("missing_device_id", "none of device.id, deviceId, eventConfiguration.id is present", {
      eventLogId,
    });
  }
  const occurredAt = parseInstant(log.timestamp);
  if (occurredAt === undefined || !isStorableInstant(occurredAt)) {
    return reject("invalid_timestamp", describeInstant("timestamp", log.timestamp, occurredAt), {
      eventLogId,
      deviceId,
    });
  }
  const recordedAt = parseInstant(log.createdAt);
  if (recordedAt === undefined || !isStorableInstant(recordedAt)) {
    return reject("invalid_created_at", describeInstant("createdAt", log.createdAt, recordedAt), {
      eventLogId,
      deviceId,
    });
  }
  const event: DoorEvent = {
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
  };
  // Accepted means every consumer can decode and store it; anything else is rejected here, stored
  // with its exact bytes, instead of being dead-lettered downstream for ever.
  const checked = deliverable(event);
  if (!checked.ok) return reject(checked.problem.reason, checked.problem.detail, { eventLogId, deviceId });
  return { ok: true, event, value: checked.value };
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

function describeInstant(field: string, value: unknown, parsed: Date | undefined): string {
  if (value === undefined || value === null) return `field \`${field}\` is missing`;
  if (parsed !== undefined) {
    return `field \`${field}\` lies outside 0001-01-01T00:00:00Z…9999-12-31T23:59:59.999Z, which the consumers' stores cannot hold`;
  }
  return `field \`${field}\` is not an ISO-8601 instant with a time zone`;
}

/**
 * Parses a request or response body (UTF-8 text) and normalizes it. Bodies that are not JSON are
 * rejected as `not_json`; a number JSON.parse would round (see `unsafeNumberMember`) as
 * `unsafe_number`, so the original carried on the record is exactly what was received.
 */
export function normalizeEventLogText(text: string, context: NormalizeContext): Normalized {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return reject("not_json", `body is not valid JSON: ${bounded((error as Error).message)}`);
  }
  const unsafe = unsafeNumberMember(text);
  if (unsafe !== undefined) {
    return reject(
      "unsafe_number",
      `member ${bounded(JSON.stringify(unsafe))} holds a number a 64-bit float cannot represent exactly`,
    );
  }
  return normalizeEventLog(json, context);
}

/**
 * The member name nearest before the first number whose source text JSON.parse would change
 * (lossless-json's `isSafeNumber`: an integer above 2^53, more digits than a double keeps), or
 * `undefined` when there is none. `text` is valid JSON (JSON.parse read it), so telling numbers from
 * strings is all it takes: one pass, and only numbers of 16+ characters or with an exponent are
 * checked — a shorter one always survives.
 */
function unsafeNumberMember(text: string): string | undefined {
  let keyStart = -1;
  let keyEnd = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== QUOTE; i++)
        if (text.charCodeAt(i) === BACKSLASH) i++;
      let next = i + 1;
      while (next < text.length && isJsonSpace(text.charCodeAt(next))) next++;
      if (text.charCodeAt(next) === COLON) [keyStart, keyEnd] = [start, i + 1];
    } else if (c === MINUS || isDigit(c)) {
      let end = i;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
      const token = text.slice(i, end);
      if ((token.length >= 16 || /[eE]/.test(token)) && !isSafeNumber(token)) {
        return keyStart < 0 ? "(top level)" : (JSON.parse(text.slice(keyStart, keyEnd)) as string);
      }
      i = end - 1;
    }
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const MINUS = 0x2d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isJsonSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
/** Digits, sign, point, exponent. */
const isNumberChar = (c: number) =>
  isDigit(c) || c === MINUS || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;

/** Details go into a Kafka header and a log line: keep them short. */
function bounded(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
