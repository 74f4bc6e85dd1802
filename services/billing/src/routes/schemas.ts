import { z } from "@hono/zod-openapi";

const Meters = {
  successfulUnlocks: z.int(),
  activeUsers: z.int().describe("People with at least one successful unlock in the period."),
  activeDevices: z.int(),
};

/** A domain's usage of one period, as `GET /v1/domains/{domainId}/usage/{period}` answers it. */
export const UsageReportSchema = z
  .object({
    domainId: z.string(),
    period: z.string(),
    timeZone: z.string(),
    status: z.enum(["open", "closed"]),
    closedAt: z.iso.datetime().nullable(),
    usage: z.object(Meters).describe("The current meters: for a closed period, issued plus adjustments."),
    issued: z
      .object({ ...Meters, issuedAt: z.iso.datetime() })
      .nullable()
      .describe("The figures issued at close (null while open, or without usage then)."),
    adjustments: z.array(
      z.object({
        ...Meters,
        domainId: z.string(),
        period: z.string(),
        eventLogId: z.string(),
        occurredAt: z.iso.datetime(),
        recordedAt: z.iso.datetime(),
        createdAt: z.iso.datetime(),
      }),
    ),
  })
  .openapi("UsageReport");

/** The result of closing a period. */
export const ClosedPeriodSchema = z
  .object({
    period: z.string(),
    closedAt: z.iso.datetime(),
    alreadyClosed: z.boolean().describe("True when it was closed before: nothing changed."),
    domains: z.int().describe("Domains whose figures were issued."),
  })
  .openapi("ClosedPeriod");
