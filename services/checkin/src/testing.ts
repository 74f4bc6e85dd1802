import type { DoorEvent } from "@parakey-bridge/contracts";
import type { InboundRecord } from "@parakey-bridge/kafka";
import { unlockRecord as unlockAt } from "@parakey-bridge/kafka/testing";
import { domainSettings } from "./domain-settings.js";

/** The domains of the unit tests: UTC days except `dom_se` (Stockholm), a ten-minute live window. */
export const testDomainSettings = domainSettings({
  defaultTimeZone: "UTC",
  timeZones: { dom_se: "Europe/Stockholm" },
  liveWindowMs: 600_000,
  liveWindowsMs: {},
});

/** Every table the check-in store writes: emptied before each test of the store. */
export const checkInTables = [
  "processed_unlocks",
  "check_ins",
  "day_unlocks",
  "check_in_outbox",
  "consumer_offsets",
];

/**
 * An unlock as the consumer hands it over, for tests of the store and the sink without Kafka: by
 * `usr_ada` at `dev_front` of `dom_hq` on 23 November 2026 unless `overrides` say otherwise.
 *
 * @example
 * const record = unlockRecord(7, { userId: "usr_b", occurredAt: "2026-11-23T23:30:00.000Z" });
 */
export function unlockRecord(offset: number, overrides: Partial<DoorEvent> = {}): InboundRecord<DoorEvent> {
  return unlockAt(offset, {
    deviceId: "dev_front",
    domainId: "dom_hq",
    userId: "usr_ada",
    occurredAt: "2026-11-23T08:00:00.000Z",
    ...overrides,
  });
}
