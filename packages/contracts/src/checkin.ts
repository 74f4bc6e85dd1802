import { z } from "zod";

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
