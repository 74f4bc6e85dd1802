import { ROOT_CONTEXT } from "@opentelemetry/api";
import type { DoorEvent } from "@parakey-bridge/contracts";
import type { InboundRecord } from "@parakey-bridge/kafka";

/**
 * An unlock as the consumer hands it over, for tests of the store and the sink without Kafka.
 *
 * @example
 * const record = unlockRecord(7, { userId: "usr_b", occurredAt: "2026-11-23T23:30:00.000Z" });
 */
export function unlockRecord(offset: number, overrides: Partial<DoorEvent> = {}): InboundRecord<DoorEvent> {
  const occurredAt = overrides.occurredAt ?? "2026-11-23T08:00:00.000Z";
  const delayMs = overrides.delayMs ?? 1_000;
  const recordedAt = new Date(Date.parse(occurredAt) + delayMs).toISOString();
  const eventLogId = overrides.eventLogId ?? `el_${offset}`;
  return {
    topic: "parakey.event-logs.v1",
    partition: 0,
    offset: String(offset),
    key: overrides.deviceId ?? "dev_front",
    value: {
      eventLogId,
      deviceId: "dev_front",
      domainId: "dom_hq",
      userId: "usr_ada",
      success: true,
      occurredAt,
      recordedAt,
      receivedAt: recordedAt,
      delayMs,
      via: "webhook",
      payloadVersion: "1.0",
      eventLog: { id: eventLogId },
      ...overrides,
    },
    headers: {},
    timestamp: String(Date.parse(recordedAt)),
    traceContext: ROOT_CONTEXT,
    traceId: "0".repeat(32),
  };
}
