import {
  type AccessLog,
  assertResourceVisible,
  hasRole,
  type Pseudonymiser,
  principalOf,
} from "@parakey-bridge/auth";
import { NotFoundError, requestIdOf } from "@parakey-bridge/service-kit";
import type { Hono } from "hono";
import { pseudonymisedDetail } from "../personal-data.js";
import type { AuditStore } from "../store/audit-store.js";

/**
 * `GET /v1/events/:eventLogId`: one event, where it is in Kafka, how it arrived, duplicates seen.
 * An auditor gets the payload as received (the read is recorded first); anyone else the payload
 * without its personal members and a pseudonym for the person. An event of another tenant's domain
 * answers the same 404 as one that does not exist.
 */
export function getEventRoute(
  app: Hono,
  deps: { store: AuditStore; accessLog: AccessLog; pseudonyms: Pseudonymiser },
): void {
  app.get("/v1/events/:eventLogId", async (c) => {
    const principal = principalOf(c);
    const eventLogId = c.req.param("eventLogId");
    const notFound = `no audit record for event log ${eventLogId}`;
    const event = await deps.store.get(eventLogId);
    if (!event) throw new NotFoundError(notFound);
    assertResourceVisible(principal, event.domainId, notFound);
    if (!hasRole(principal, "auditor")) return c.json(pseudonymisedDetail(event, deps.pseudonyms));
    await deps.accessLog.record({
      principal,
      action: "get_event",
      filters: { eventLogId },
      subjects: [eventLogId],
      requestId: requestIdOf(c),
    });
    return c.json(event);
  });
}
