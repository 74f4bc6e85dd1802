import type { DoorEvent } from "@parakey-bridge/contracts";
import type { InboundRecord } from "@parakey-bridge/kafka";
import { unlockRecord as unlockAt } from "@parakey-bridge/kafka/testing";

/**
 * An unlock as the consumer hands it over, for tests of the store without Kafka: by `usr_1` at
 * `dev_1` of `dom_a` on 10 January 2026 unless `overrides` say otherwise; its event log id names
 * its partition and offset.
 *
 * @example
 * const record = unlockRecord(7, { userId: "usr_b", occurredAt: "2026-01-31T23:30:00.000Z" });
 */
export function unlockRecord(
  offset: number,
  overrides: Partial<DoorEvent> = {},
  partition = 0,
): InboundRecord<DoorEvent> {
  return unlockAt(
    offset,
    {
      eventLogId: `el_${partition}_${offset}`,
      deviceId: "dev_1",
      domainId: "dom_a",
      userId: "usr_1",
      occurredAt: "2026-01-10T08:00:00.000Z",
      ...overrides,
    },
    partition,
  );
}
