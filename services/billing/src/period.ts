import { localDateOf } from "@parakey-bridge/contracts";
import { z } from "zod";

/** A billing period: a calendar month `YYYY-MM`, in each domain's own time zone. */
export const Period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: "expected a month YYYY-MM" });

/**
 * The billing period of an unlock: the month its `occurredAt` falls in, in the domain's time zone.
 * A late upload is billed in the month the door was opened, not the month Parakey heard of it.
 *
 * @example
 * periodOf("2026-01-31T23:30:00Z", "Europe/Stockholm"); // "2026-02"
 * periodOf("2026-01-31T23:30:00Z", "UTC");              // "2026-01"
 */
export function periodOf(occurredAt: Date | string, timeZone: string): string {
  return localDateOf(occurredAt, timeZone).slice(0, 7);
}

/**
 * Whether a period has ended everywhere it is counted: in every zone the service bills in (the
 * configured ones and the default), the current month is already a later one. Closing earlier would
 * turn ordinary, on-time unlocks into adjustments.
 *
 * @example
 * isPeriodOver("2026-01", new Date("2026-02-01T00:30:00Z"), ["UTC", "America/New_York"]); // false: still January in New York
 */
export function isPeriodOver(period: string, now: Date, timeZones: readonly string[]): boolean {
  return timeZones.every((zone) => periodOf(now, zone) > period);
}
