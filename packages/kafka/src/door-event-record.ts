import { type DoorEvent, doorEventHeaders, encodeDoorEvent } from "@parakey-bridge/contracts";
import type { OutgoingRecord } from "./producer.js";

/**
 * The record of a DoorEvent on the event topic: keyed by device (one lock's events stay in order on
 * one partition), CloudEvents binary-mode headers (`ce_id` = event log id, the dedupe key).
 *
 * @example
 * await producer.send([doorEventRecord(event, Topics.eventLogs)]);
 */
export function doorEventRecord(event: DoorEvent, topic: string): OutgoingRecord {
  return { topic, key: event.deviceId, value: encodeDoorEvent(event), headers: doorEventHeaders(event) };
}
