import { z } from "@hono/zod-openapi";

const pseudonymised = z
  .literal("pseudonymised")
  .optional()
  .describe(
    "Present when `userId` is a pseudonym and personal payload members are left out (not an auditor).",
  );

/** One event as listed. */
export const AuditEventSummarySchema = z
  .object({
    eventLogId: z.string(),
    domainId: z.string().nullable(),
    deviceId: z.string(),
    userId: z.string().nullable(),
    success: z.boolean().nullable(),
    occurredAt: z.iso.datetime(),
    recordedAt: z.iso.datetime(),
    receivedAt: z.iso.datetime(),
    delayMs: z.number(),
    via: z.string(),
    firstSeenAt: z.iso.datetime(),
    duplicates: z.int(),
    personalDataErased: z.boolean(),
    personalData: pseudonymised,
  })
  .openapi("AuditEventSummary");

/** One event with everything the store knows about it. */
export const AuditEventDetailSchema = AuditEventSummarySchema.extend({
  payloadVersion: z.string(),
  payload: z
    .record(z.string(), z.unknown())
    .describe("The event log as received (without personal members once erased)."),
  kafka: z.object({ topic: z.string(), partition: z.int(), offset: z.string() }),
  traceId: z.string().nullable(),
  lastDuplicateAt: z.iso.datetime().nullable(),
  erasedAt: z.iso.datetime().nullable(),
  chain: z.object({ domain: z.string(), seq: z.string(), prevHash: z.string(), hash: z.string() }),
}).openapi("AuditEventDetail");

/** The result of recomputing a domain's hash chain. */
export const ChainVerificationSchema = z
  .object({
    domainId: z.string().nullable(),
    ok: z.boolean(),
    rows: z.int(),
    brokenAt: z
      .object({
        seq: z.string(),
        eventLogId: z.string().nullable(),
        reason: z.enum([
          "hash_mismatch",
          "prev_hash_mismatch",
          "sequence_gap",
          "personal_data_mismatch",
          "head_mismatch",
        ]),
        detail: z.string(),
      })
      .optional()
      .describe("The first broken link, when there is one."),
  })
  .openapi("ChainVerification");
