import { z } from "zod";
import { OriginalEventLog } from "./parakey-event-log.js";
import { type Decoded, decodeRecordValue, encodeRecordValue } from "./record-value.js";

/** How an event log reached the bridge. */
export const Via = z.enum(["webhook", "poll"]);
export type Via = z.infer<typeof Via>;

/** The ids a door event carries, in every form of it (DoorEvent, AnonymousDoorEvent). */
export const doorEventIds = {
  eventLogId: z.string().min(1).describe("Parakey event log id; the idempotency key everywhere"),
  deviceId: z.string().min(1).describe("The lock; the Kafka record key"),
  domainId: z.string().min(1).nullable().describe("The place (customer site)"),
};

/** What happened and when, in every form of a door event (DoorEvent, AnonymousDoorEvent). */
export const doorEventUnlock = {
  success: z.boolean().nullable().describe("Whether the unlock succeeded; null when Parakey did not say"),
  occurredAt: z.iso
    .datetime()
    .describe("When the door was unlocked, on the lock's clock (Parakey `timestamp`)"),
  recordedAt: z.iso.datetime().describe("When Parakey received the event log (Parakey `createdAt`)"),
  receivedAt: z.iso.datetime().describe("When the bridge received it"),
  delayMs: z.int().describe("recordedAt − occurredAt: how long the lock held the event offline"),
  via: Via.describe("webhook or poll"),
};

/**
 * `DoorEvent` v1: the normalized record on `parakey.event-logs.v1`, keyed by `deviceId`.
 * The topic is at-least-once (webhook retries, poll overlap, replays): consumers dedupe on
 * `eventLogId`, which is also the CloudEvents `ce_id` header.
 *
 * @example
 * const event = DoorEvent.parse(JSON.parse(record.value.toString("utf8")));
 * event.delayMs; // how late the lock uploaded it
 */
export const DoorEvent = z
  .object({
    ...doorEventIds,
    userId: z.string().min(1).nullable().describe("The person; null for failed or anonymised unlocks"),
    ...doorEventUnlock,
    payloadVersion: z.string().describe("Parakey payload API version of eventLog"),
    eventLog: OriginalEventLog.describe("The original event log as received, unknown fields included"),
  })
  .strict();
export type DoorEvent = z.infer<typeof DoorEvent>;

/** When the bridge received a DoorEvent (ms since the epoch), for the end-to-end latency metric. */
export function doorEventReceivedAt(event: DoorEvent): number {
  return Date.parse(event.receivedAt);
}

/** Encodes a DoorEvent as the Kafka record value (UTF-8 JSON). */
export function encodeDoorEvent(event: DoorEvent): Buffer {
  return encodeRecordValue(event);
}

/**
 * Decodes and validates a Kafka record value against DoorEvent v1. It is the consumer services'
 * record decoder: a record that fails it is dead-lettered with the reason.
 */
export function decodeDoorEvent(value: Buffer | null): Decoded<DoorEvent> {
  return decodeRecordValue(DoorEvent, value);
}
