import { ROOT_CONTEXT } from "@opentelemetry/api";
import type { DoorEvent } from "@parakey-bridge/contracts";
import type { InboundRecord } from "@parakey-bridge/kafka";

/**
 * An unlock as the consumer hands it over, for tests of the store without Kafka.
 *
 * @example
 * const record = unlockRecord(7, { userId: "usr_b", occurredAt: "2026-01-31T23:30:00.000Z" });
 */
export function unlockRecord(
  offset: number,
  overrides: Partial<DoorEvent> = {},
  partition = 0,
): InboundRecord<DoorEvent> {
  const occurredAt = overrides.occurredAt ?? "2026-01-10T08:00:00.000Z";
  const delayMs = overrides.delayMs ?? 1_000;
  const recordedAt = new Date(Date.parse(occurredAt) + delayMs).toISOString();
  const eventLogId = overrides.eventLogId ?? `el_${partition}_${offset}`;
  return {
    topic: "parakey.event-logs.v1",
    partition,
    offset: String(offset),
    key: overrides.deviceId ?? "dev_1",
    value: {
      eventLogId,
      deviceId: "dev_1",
      domainId: "dom_a",
      userId: "usr_1",
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
