import { createHash } from "node:crypto";
import { z } from "zod";
import { type CloudEventHeaders, cloudEventSource } from "./cloudevents.js";
import type { DoorEvent } from "./door-event.js";
import { type Decoded, decodeRecordValue, encodeRecordValue } from "./record-value.js";

/**
 * An IANA time zone name (`Europe/Stockholm`, `America/New_York`, `UTC`), checked against the time
 * zone database built into the runtime (`Intl`). Fixed offsets such as `+01:00` are refused: a place
 * follows its region's daylight-saving rules, an offset would be wrong half the year.
 *
 * @example
 * IanaTimeZone.parse("Europe/Stockholm"); // ok
 * IanaTimeZone.safeParse("Europe/Stockholmm").success; // false
 */
export const IanaTimeZone = z
  .string()
  .min(1)
  .refine(isIanaTimeZone, { error: (issue) => `unknown IANA time zone "${String(issue.input)}"` });

function isIanaTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    // RangeError: the runtime's time zone database does not know the name.
    return false;
  }
}

const localDateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar day (`YYYY-MM-DD`) an instant falls on in a time zone, by the runtime's time zone
 * database. This is where "a day" and "a month" of a place are decided for check-ins and billing.
 *
 * @example
 * localDateOf("2026-11-23T23:30:00Z", "Europe/Stockholm"); // "2026-11-24"
 * localDateOf("2026-11-23T23:30:00Z", "UTC");              // "2026-11-23"
 */
export function localDateOf(instant: Date | string, timeZone: string): string {
  let format = localDateFormats.get(timeZone);
  if (format === undefined) {
    // en-CA formats dates as YYYY-MM-DD; formatToParts keeps us independent of that detail anyway.
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      calendar: "iso8601",
      numberingSystem: "latn",
    });
    localDateFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(typeof instant === "string" ? new Date(instant) : instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year").padStart(4, "0")}-${part("month")}-${part("day")}`;
}

/**
 * Whether an unlock counts as a successful unlock for check-ins and billing. Parakey's `success` is
 * inferred from public client code (see parakey-event-log.ts); an event that does not say is not
 * counted as a success, so a missing field shows up as "no check-ins" rather than as failed unlocks
 * silently billed and announced.
 */
export function isSuccessfulUnlock(event: Pick<DoorEvent, "success">): boolean {
  return event.success === true;
}

/**
 * `CheckIn` v1 on `parakey.checkins.v1`, keyed by domain id: a person's first successful unlock in a
 * domain on a local day. `live` is false for late uploads (delay above the domain's live window), so
 * notification consumers can skip them while records keep everything.
 */
export const CheckIn = z
  .object({
    checkInId: z.string().min(1).describe("Stable id: domain, user and local day"),
    domainId: z.string().min(1),
    userId: z.string().min(1),
    localDate: z.iso.date().describe("The day in the domain's time zone"),
    timeZone: z.string().min(1),
    firstEventLogId: z.string().min(1),
    deviceId: z.string().min(1),
    occurredAt: z.iso.datetime(),
    recordedAt: z.iso.datetime(),
    delayMs: z.int(),
    live: z.boolean().describe("delayMs ≤ the domain's live window"),
  })
  .strict();
export type CheckIn = z.infer<typeof CheckIn>;

/** CloudEvents `type` of a CheckIn v1. */
export const CHECKIN_TYPE = "co.parakey.bridge.check-in.v1";

/**
 * The stable id of a check-in: the same domain, user and local day always give the same id, so a
 * check-in published twice (a crash between publishing and recording that it was published) carries
 * the same `ce_id` and consumers dedupe it. A hash, so the id carries no personal data.
 *
 * @example
 * checkInIdOf("dom_hq", "usr_ada", "2026-11-23"); // "ci_5f0c…" (32 hex digits)
 */
export function checkInIdOf(domainId: string, userId: string, localDate: string): string {
  const digest = createHash("sha256").update(`${domainId}\u0000${userId}\u0000${localDate}`).digest("hex");
  return `ci_${digest.slice(0, 32)}`;
}

/**
 * Binary-mode CloudEvents headers of a CheckIn: `ce_id` is the check-in id (the dedupe key),
 * `ce_time` the unlock that made it, `ce_partitionkey` the domain (also the record key).
 * `pb-live` repeats the payload's `live` so a notification consumer can skip late check-ins without
 * parsing the value.
 *
 * @example
 * producer.send({ topic: Topics.checkins, key: c.domainId, value: encodeCheckIn(c), headers: checkInHeaders(c) });
 */
export function checkInHeaders(checkIn: CheckIn): CloudEventHeaders {
  return {
    ce_specversion: "1.0",
    ce_id: checkIn.checkInId,
    ce_source: cloudEventSource(checkIn.domainId),
    ce_type: CHECKIN_TYPE,
    ce_time: checkIn.occurredAt,
    ce_partitionkey: checkIn.domainId,
    "content-type": "application/json",
    "pb-live": String(checkIn.live),
  };
}

/** Encodes a CheckIn as the Kafka record value (UTF-8 JSON). */
export function encodeCheckIn(checkIn: CheckIn): Buffer {
  return encodeRecordValue(checkIn);
}

/** Decodes and validates a Kafka record value against CheckIn v1. */
export function decodeCheckIn(value: Buffer | null): Decoded<CheckIn> {
  return decodeRecordValue(CheckIn, value);
}
