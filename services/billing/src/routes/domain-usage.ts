import { assertDomainAllowed, principalOf } from "@parakey-bridge/auth";
import { ValidationError } from "@parakey-bridge/service-kit";
import type { Hono } from "hono";
import { z } from "zod";
import { Period } from "../period.js";
import type { UsageQueries } from "../usage-store.js";

const Params = z.object({ domainId: z.string().min(1).max(200), period: Period });

/**
 * `GET /v1/domains/:domainId/usage/:period` — a domain's usage of a month (JSON): the current
 * meters, and for a closed period the issued figures and each adjustment line. A domain without
 * usage that month answers zeros; a domain outside the principal's answers 403.
 */
export function registerDomainUsage(app: Hono, queries: UsageQueries): void {
  app.get("/v1/domains/:domainId/usage/:period", async (c) => {
    const parsed = Params.safeParse(c.req.param());
    if (!parsed.success) throw new ValidationError(z.prettifyError(parsed.error));
    assertDomainAllowed(principalOf(c), parsed.data.domainId);
    return c.json(await queries.usage(parsed.data.domainId, parsed.data.period));
  });
}
