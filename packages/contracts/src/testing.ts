import { randomUUID } from "node:crypto";
import type { DoorEvent, Via } from "./door-event.js";
import { normalizeEventLog } from "./normalize.js";
import type { OriginalEventLog } from "./parakey-event-log.js";

export interface EventLogFixtureOptions {
  id?: string;
  deviceId?: string;
  domainId?: string;
  userId?: string | null;
  success?: boolean;
  /** The unlock. */
  timestamp?: Date;
  /** When Parakey received it; defaults to one second after the unlock. */
  createdAt?: Date;
}

/**
 * A realistic Parakey event log payload (the shape the webhook posts), for tests and benchmarks.
 *
 * @example
 * const body = eventLogFixture({ deviceId: "lock-1", timestamp: new Date("2026-11-23T08:00:00Z") });
 */
export function eventLogFixture(
  options: EventLogFixtureOptions = {},
): OriginalEventLog & Record<string, unknown> {
  const timestamp = options.timestamp ?? new Date();
  const createdAt = options.createdAt ?? new Date(timestamp.getTime() + 1000);
  const deviceId = options.deviceId ?? "dev_front_door";
  const domainId = options.domainId ?? "dom_hq";
  const userId = options.userId === undefined ? "usr_ada" : options.userId;
  return {
    id: options.id ?? `el_${randomUUID()}`,
    timestamp: timestamp.toISOString(),
    createdAt: createdAt.toISOString(),
    success: options.success ?? true,
    domain: { id: domainId, name: "Headquarters" },
    device: { id: deviceId, name: "Front door", type: "lock" },
    user: userId === null ? null : { id: userId, name: "Ada Lovelace", email: "ada@example.com" },
    accessKey: { id: "ak_1", access: { id: "acc_staff", name: "Staff" } },
    method: "app",
  };
}

export interface DoorEventFixtureOptions extends Omit<EventLogFixtureOptions, "timestamp" | "createdAt"> {
  /** The unlock (ISO 8601 or a Date). */
  occurredAt: string | Date;
  /** How long after the unlock Parakey received it; 1.5 s unless told (a two-day-late upload: 2 days). */
  delayMs?: number;
  /** How the ingress got it; a webhook delivery unless told. */
  via?: Via;
  /** Fields of the Parakey payload beyond the fixture's (unknown fields travel along). */
  extra?: Record<string, unknown>;
}

/**
 * A DoorEvent exactly as the ingress produces it: a realistic Parakey payload, normalized, received
 * 200 ms after Parakey recorded it. For consumer tests that put events on a topic.
 *
 * @example
 * const event = doorEventFixture({ id: "el_1", domainId: "dom_a", occurredAt: "2026-01-31T23:30:00Z" });
 */
export function doorEventFixture(options: DoorEventFixtureOptions): DoorEvent {
  const { occurredAt, delayMs = 1_500, via = "webhook", extra, ...fixture } = options;
  const timestamp = new Date(occurredAt);
  const createdAt = new Date(timestamp.getTime() + delayMs);
  const result = normalizeEventLog(
    { ...eventLogFixture({ ...fixture, timestamp, createdAt }), ...extra },
    { via, receivedAt: new Date(createdAt.getTime() + 200) },
  );
  if (!result.ok) throw new Error(result.rejection.detail);
  return result.event;
}

/**
 * The stream an at-least-once topic carries for `events`: each delivered 1–3 times (deterministic),
 * a poll overlap right behind the webhook delivery, a webhook retry much later (after every first
 * delivery). Consumers must store each event once however often it comes.
 *
 * @example
 * await produceAll(kafka, redelivered(events).map((event) => doorEventRecord(event, topic)));
 */
export function redelivered(events: readonly DoorEvent[]): DoorEvent[] {
  const stream: DoorEvent[] = [];
  const retries: DoorEvent[] = [];
  for (const [i, event] of events.entries()) {
    stream.push(event);
    const extra = (i * 7919) % 3; // 0, 1 or 2 more copies
    if (extra >= 1) stream.push({ ...event, via: "poll" });
    if (extra === 2) retries.push(event);
  }
  return [...stream, ...retries];
}

/**
 * The text of a JSON object from members whose values are JSON text already, `fields` under plain
 * names and `extra` under any names (escaped): how property tests assemble hostile payloads that
 * `JSON.stringify` could not write (lone surrogates, huge numbers, deep nesting).
 *
 * @example
 * jsonObjectText({ id: '"el_1"' }, { "\u0000": "1e999" }); // '{"id":"el_1","\\u0000":1e999}'
 */
export function jsonObjectText(fields: Record<string, string>, extra: Record<string, string> = {}): string {
  return `{${[
    ...Object.entries(fields).map(([key, value]) => `"${key}":${value}`),
    ...Object.entries(extra).map(([key, value]) => `${JSON.stringify(key)}:${value}`),
  ].join(",")}}`;
}
