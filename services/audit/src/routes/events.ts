import { createRoute, z } from "@hono/zod-openapi";
import {
  type AccessLog,
  AUTH_ERRORS,
  assertDomainAllowed,
  ForbiddenError,
  hasRole,
  type Pseudonymiser,
  principalOf,
} from "@parakey-bridge/auth";
import { type ApiApp, errorResponses, requestIdOf } from "@parakey-bridge/service-kit";
import { decodeCursor } from "../cursor.js";
import { pseudonymisedSummary } from "../personal-data.js";
import type { AuditStore } from "../store/audit-store.js";
import { AuditEventSummarySchema } from "./schemas.js";

const ListQuery = z
  .object({
    domainId: z.string().min(1).optional(),
    deviceId: z.string().min(1).optional(),
    userId: z.string().min(1).optional().describe("Auditors only (403 otherwise)."),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().min(1).optional(),
  })
  .strict();

/**
 * `GET /v1/events`: events by domain, device, user and time range, newest first, cursor-paged.
 * A principal limited to some domains lists only theirs (naming another domain is 403). Auditors see
 * each person's id (the read is recorded first); everyone else a pseudonym, and may not search by
 * person (403).
 */
export const listEventsRoute = createRoute({
  method: "get",
  path: "/v1/events",
  summary: "Stored events, newest first",
  request: { query: ListQuery },
  responses: {
    200: {
      description: "One page of events; `nextCursor` continues it (null on the last page).",
      content: {
        "application/json": {
          schema: z
            .object({ items: z.array(AuditEventSummarySchema), nextCursor: z.string().nullable() })
            .openapi("AuditEventPage"),
        },
      },
    },
    ...errorResponses(...AUTH_ERRORS, "invalid_request", "db_unavailable"),
  },
});

export function registerListEvents(
  app: ApiApp,
  deps: { store: AuditStore; accessLog: AccessLog; pseudonyms: Pseudonymiser },
): void {
  app.openapi(listEventsRoute, async (c) => {
    const principal = principalOf(c);
    const q = c.req.valid("query");
    const auditor = hasRole(principal, "auditor");
    if (q.userId !== undefined && !auditor)
      throw new ForbiddenError("searching by person needs the role auditor");
    if (q.domainId !== undefined) assertDomainAllowed(principal, q.domainId);
    const page = await deps.store.list({
      domainId: q.domainId,
      domainIds: principal.domains === "all" ? undefined : [...principal.domains],
      deviceId: q.deviceId,
      userId: q.userId,
      from: q.from === undefined ? undefined : new Date(q.from),
      to: q.to === undefined ? undefined : new Date(q.to),
      limit: q.limit,
      after: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
    });
    if (!auditor) {
      return c.json({ ...page, items: page.items.map((e) => pseudonymisedSummary(e, deps.pseudonyms)) }, 200);
    }
    const { cursor: _cursor, limit: _limit, ...filters } = q;
    await deps.accessLog.record({
      principal,
      action: "list_events",
      filters,
      subjects: page.items.map((e) => e.eventLogId),
      requestId: requestIdOf(c),
    });
    return c.json(page, 200);
  });
}
