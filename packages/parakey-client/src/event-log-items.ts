import {
  type DoorEvent,
  normalizeEventLog,
  type OriginalEventLog,
  type Rejection,
} from "@parakey-bridge/contracts";

/**
 * One event log of a response. A malformed item is a rejection value next to the good ones, never an
 * error for the whole page: the caller dead-letters it and keeps the rest.
 */
export type EventLogItem =
  | {
      ok: true;
      /** The event log exactly as Parakey sent it (unknown fields included). */
      eventLog: OriginalEventLog;
      /** Its normalized form, ready for Kafka. */
      event: DoorEvent;
      /** The record value of `event` (its encoding, checked with the consumers' decoder). */
      value: Buffer;
    }
  | {
      ok: false;
      /** Whatever Parakey sent for this item. */
      raw: unknown;
      rejection: Rejection;
    };

/**
 * The list of event logs in a `GET /eventLogs` body. Assumed to be a bare JSON array; an envelope
 * `{ "data": [...] }` is tolerated too, in case Parakey wraps lists like many APIs do. `undefined`
 * for anything else. This is the one place that knows the list's shape.
 *
 * @example
 * eventLogListOf([{ id: "el_1" }]); // [{ id: "el_1" }]
 * eventLogListOf({ data: [{ id: "el_1" }] }); // [{ id: "el_1" }]
 */
export function eventLogListOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (typeof body === "object" && body !== null && "data" in body && Array.isArray(body.data)) {
    return body.data;
  }
  return undefined;
}

/**
 * Normalizes one received item tolerantly (see `normalizeEventLog` in the contracts package).
 *
 * @example
 * const item = eventLogItemOf(json, new Date());
 * if (item.ok) produce(item.event); else deadLetter(item.raw, item.rejection);
 */
export function eventLogItemOf(raw: unknown, receivedAt: Date): EventLogItem {
  const normalized = normalizeEventLog(raw, { via: "poll", receivedAt });
  return normalized.ok
    ? { ok: true, eventLog: normalized.event.eventLog, event: normalized.event, value: normalized.value }
    : { ok: false, raw, rejection: normalized.rejection };
}
