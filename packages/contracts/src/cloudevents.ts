import { type DoorEvent, encodeDoorEvent } from "./door-event.js";

/** CloudEvents `type` of a DoorEvent v1. */
export const DOOR_EVENT_TYPE = "co.parakey.event-log.v1";

/** CloudEvents binary-mode Kafka headers (string values, as kafkajs takes them). */
export type CloudEventHeaders = Record<string, string>;

/**
 * The CloudEvents 1.0 source of an event: the Parakey domain (place) it happened in.
 * A URI-reference as the spec requires; events without a domain share one source.
 */
export function cloudEventSource(domainId: string | null): string {
  return domainId === null ? "/parakey/domains/unknown" : `/parakey/domains/${encodeURIComponent(domainId)}`;
}

/**
 * Binary-mode CloudEvents headers for a DoorEvent (Kafka protocol binding 1.0): `ce_id` is the
 * event log id (the dedupe key), `ce_time` the unlock, `ce_partitionkey` the device.
 *
 * @example
 * await producer.send({ topic, messages: [{ key: e.deviceId, value, headers: doorEventHeaders(e) }] });
 */
export function doorEventHeaders(event: DoorEvent): CloudEventHeaders {
  return {
    ce_specversion: "1.0",
    ce_id: event.eventLogId,
    ce_source: cloudEventSource(event.domainId),
    ce_type: DOOR_EVENT_TYPE,
    ce_time: event.occurredAt,
    ce_subject: event.deviceId,
    ce_partitionkey: event.deviceId,
    "content-type": "application/json",
  };
}

/**
 * The Kafka record of a DoorEvent on the event topic: keyed by device (one lock's events stay in
 * order on one partition), CloudEvents binary-mode headers (`ce_id` = event log id, the dedupe key).
 * Its shape is the producer's `OutgoingRecord`. `value` is the event's encoding when the caller has
 * it already (normalizing checks the encoded value, see `Normalized`).
 *
 * @example
 * await producer.send([doorEventRecord(event, Topics.eventLogs)]);
 */
export function doorEventRecord(
  event: DoorEvent,
  topic: string,
  value: Buffer = encodeDoorEvent(event),
): { topic: string; key: string; value: Buffer; headers: CloudEventHeaders } {
  return { topic, key: event.deviceId, value, headers: doorEventHeaders(event) };
}

/** Reads CloudEvents headers back from a record (values arrive as Buffers). */
export function readCloudEventHeaders(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined) out[name] = value.toString();
  }
  return out;
}
