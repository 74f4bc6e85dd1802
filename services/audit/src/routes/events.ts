import { ValidationError } from "@parakey-bridge/service-kit";
import type { Hono } from "hono";
import { z } from "zod";
import { decodeCursor } from "../cursor.js";
import type { AuditStore } from "../store/audit-store.js";

const ListQuery = z
  .object({
    domainId: z.string().min(1).optional(),
    deviceId: z.string().min(1).optional(),
    userId: z.string().min(1).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().min(1).optional(),
  })
  .strict();

/** `GET /audit/events`: events by domain, device, user and time range, newest first, cursor-paged. */
export function listEventsRoute(app: Hono, store: AuditStore): void {
  app.get("/audit/events", async (c) => {
    const parsed = ListQuery.safeParse(c.req.query());
    if (!parsed.success) throw new ValidationError(z.prettifyError(parsed.error));
    const q = parsed.data;
    const page = await store.list({
      domainId: q.domainId,
      deviceId: q.deviceId,
      userId: q.userId,
      from: q.from === undefined ? undefined : new Date(q.from),
      to: q.to === undefined ? undefined : new Date(q.to),
      limit: q.limit,
      after: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
    });
    return c.json(page);
  });
}
