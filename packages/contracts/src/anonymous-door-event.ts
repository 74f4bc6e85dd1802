import { z } from "zod";
import { type CloudEventHeaders, cloudEventSource } from "./cloudevents.js";
import type { DoorEvent } from "./door-event.js";
import { doorEventIds, doorEventUnlock } from "./door-event.js";
import { type Decoded, decodeRecordValue, encodeRecordValue } from "./record-value.js";

/** CloudEvents `type` of an AnonymousDoorEvent v1. */
export const ANONYMOUS_DOOR_EVENT_TYPE = "co.parakey.door-event.anonymous.v1";

/**
 * `AnonymousDoorEvent` v1: a door event without personal data, on `parakey.door-events.anonymous.v1`
 * (keyed by device), for teams that count unlocks but must not learn who unlocked (billing analytics,
 * facilities). The person is a keyed pseudonym, HMAC-SHA256(key, userId) in base64url: stable per
 * person while the key stays the same, not reversible without the key. No name, e-mail, phone or
 * original payload is carried: the fields are an allow-list, so a field Parakey adds tomorrow is
 * dropped, never forwarded.
 *
 * @example
 * const event = AnonymousDoorEvent.parse(JSON.parse(record.value.toString("utf8")));
 * event.userPseudonym; // "q1T…" — the same for every unlock of that person
 */
export const AnonymousDoorEvent = z
  .object({
    ...doorEventIds,
    userPseudonym: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .nullable()
      .describe(
        "HMAC-SHA256 of the user id under the stream's pseudonym key, base64url: the same person has the same pseudonym; null when the unlock had no user",
      ),
    ...doorEventUnlock,
  })
  .strict();
export type AnonymousDoorEvent = z.infer<typeof AnonymousDoorEvent>;

/**
 * The anonymous form of a door event: the allow-listed fields copied, the user id replaced by
 * `pseudonymOf(userId)`, everything else (the original payload with names, e-mail, phone, and any
 * field not named here) left behind.
 *
 * @example
 * const anonymous = anonymizeDoorEvent(event, (userId) => hmac(key, userId));
 */
export function anonymizeDoorEvent(
  event: DoorEvent,
  pseudonymOf: (userId: string) => string,
): AnonymousDoorEvent {
  return {
    eventLogId: event.eventLogId,
    deviceId: event.deviceId,
    domainId: event.domainId,
    userPseudonym: event.userId === null ? null : pseudonymOf(event.userId),
    success: event.success,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    receivedAt: event.receivedAt,
    delayMs: event.delayMs,
    via: event.via,
  };
}

/** Encodes an AnonymousDoorEvent as the Kafka record value (UTF-8 JSON). */
export function encodeAnonymousDoorEvent(event: AnonymousDoorEvent): Buffer {
  return encodeRecordValue(event);
}

/** Decodes and validates a record value against AnonymousDoorEvent v1. */
export function decodeAnonymousDoorEvent(value: Buffer | null): Decoded<AnonymousDoorEvent> {
  return decodeRecordValue(AnonymousDoorEvent, value);
}

/**
 * Binary-mode CloudEvents headers of an AnonymousDoorEvent: the same ids as the DoorEvent's
 * (`ce_id` = event log id), built from the anonymous event alone so no header of the original
 * record (which may name the person) travels with it.
 *
 * @example
 * const headers = anonymousDoorEventHeaders(anonymous);
 */
export function anonymousDoorEventHeaders(event: AnonymousDoorEvent): CloudEventHeaders {
  return {
    ce_specversion: "1.0",
    ce_id: event.eventLogId,
    ce_source: cloudEventSource(event.domainId),
    ce_type: ANONYMOUS_DOOR_EVENT_TYPE,
    ce_time: event.occurredAt,
    ce_subject: event.deviceId,
    ce_partitionkey: event.deviceId,
    "content-type": "application/json",
  };
}
