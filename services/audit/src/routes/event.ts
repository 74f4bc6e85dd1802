import { NotFoundError } from "@parakey-bridge/service-kit";
import type { Hono } from "hono";
import type { AuditStore } from "../store/audit-store.js";

/** `GET /audit/events/:eventLogId`: one event, where it is in Kafka, how it arrived, duplicates seen. */
export function getEventRoute(app: Hono, store: AuditStore): void {
  app.get("/audit/events/:eventLogId", async (c) => {
    const eventLogId = c.req.param("eventLogId");
    const event = await store.get(eventLogId);
    if (!event) throw new NotFoundError(`no audit record for event log ${eventLogId}`);
    return c.json(event);
  });
}
