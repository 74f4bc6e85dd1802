import { createRoute, z } from "@hono/zod-openapi";
import {
  type AccessLog,
  AUTH_ERRORS,
  assertResourceVisible,
  hasRole,
  type Pseudonymiser,
  principalOf,
} from "@parakey-bridge/auth";
import { type ApiApp, jsonResponses, NotFoundError, requestIdOf } from "@parakey-bridge/service-kit";
import { pseudonymisedDetail } from "../personal-data.js";
import type { AuditStore } from "../store/audit-store.js";
import { AuditEventDetailSchema } from "./schemas.js";

/**
 * `GET /v1/events/{eventLogId}`: one event, where it is in Kafka, how it arrived, duplicates seen.
 * An auditor gets the payload as received (the read is recorded first); anyone else the payload
 * without its personal members and a pseudonym for the person. An event of another tenant's domain
 * answers the same 404 as one that does not exist.
 */
export const getEventRoute = createRoute({
  method: "get",
  path: "/v1/events/{eventLogId}",
  summary: "One stored event, with its place in Kafka and in the hash chain",
  request: { params: z.object({ eventLogId: z.string() }) },
  responses: jsonResponses(
    "The event (pseudonymised unless the principal is an auditor).",
    AuditEventDetailSchema,
    ...AUTH_ERRORS,
    "not_found",
    "db_unavailable",
  ),
});

export function registerGetEvent(
  app: ApiApp,
  deps: { store: AuditStore; accessLog: AccessLog; pseudonyms: Pseudonymiser },
): void {
  app.openapi(getEventRoute, async (c) => {
    const principal = principalOf(c);
    const { eventLogId } = c.req.valid("param");
    const notFound = `no audit record for event log ${eventLogId}`;
    const event = await deps.store.get(eventLogId);
    if (!event) throw new NotFoundError(notFound);
    assertResourceVisible(principal, event.domainId, notFound);
    if (!hasRole(principal, "auditor")) return c.json(pseudonymisedDetail(event, deps.pseudonyms), 200);
    await deps.accessLog.record({
      principal,
      action: "get_event",
      filters: { eventLogId },
      subjects: [eventLogId],
      requestId: requestIdOf(c),
    });
    return c.json(event, 200);
  });
}
