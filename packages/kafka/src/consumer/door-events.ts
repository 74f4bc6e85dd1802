import { type DoorEvent, decodeDoorEvent } from "@parakey-bridge/contracts";
import type { RecordDecoder } from "./types.js";

/**
 * Decodes `parakey.event-logs.v1` records against the DoorEvent v1 contract; a record that fails it
 * is dead-lettered with the contract's reason.
 */
export const doorEventDecoder: RecordDecoder<DoorEvent> = (value) => decodeDoorEvent(value);

/** When the bridge received a DoorEvent, for the end-to-end latency metric. */
export const doorEventReceivedAt = (event: DoorEvent): number => Date.parse(event.receivedAt);
