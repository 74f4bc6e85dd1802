import { z } from "@hono/zod-openapi";
import { CheckIn } from "@parakey-bridge/contracts";

/** A calendar day `YYYY-MM-DD` that exists (no 2026-02-30). */
export const LocalDate = z.iso.date({ error: "expected a date YYYY-MM-DD" });

/** An id in a path: non-empty, bounded. */
export const PathId = z.string().min(1).max(200);

/** A check-in as the API shows it: the published check-in plus how the person's day went on. */
export const CheckInView = CheckIn.extend({
  firstSeenAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
  lastDeviceId: z.string(),
  unlockCount: z.int(),
  personalData: z
    .literal("pseudonymised")
    .optional()
    .describe("Present when `userId` is a pseudonym (the principal is not an auditor)."),
}).openapi("CheckIn");
