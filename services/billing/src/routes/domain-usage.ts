import { createRoute, z } from "@hono/zod-openapi";
import { AUTH_ERRORS, assertDomainAllowed, principalOf } from "@parakey-bridge/auth";
import { type ApiApp, jsonResponses } from "@parakey-bridge/service-kit";
import { Period } from "../period.js";
import type { UsageQueries } from "../usage-store.js";
import { UsageReportSchema } from "./schemas.js";

/**
 * `GET /v1/domains/{domainId}/usage/{period}` — a domain's usage of a month (JSON): the current
 * meters, and for a closed period the issued figures and each adjustment line. A domain without
 * usage that month answers zeros; a domain outside the principal's answers 403.
 */
export const domainUsageRoute = createRoute({
  method: "get",
  path: "/v1/domains/{domainId}/usage/{period}",
  summary: "A domain's usage of a month",
  request: { params: z.object({ domainId: z.string().min(1).max(200), period: Period }) },
  responses: jsonResponses(
    "The domain's meters of the month (zeros without usage).",
    UsageReportSchema,
    ...AUTH_ERRORS,
    "invalid_request",
    "db_unavailable",
  ),
});

export function registerDomainUsage(app: ApiApp, queries: UsageQueries): void {
  app.openapi(domainUsageRoute, async (c) => {
    const { domainId, period } = c.req.valid("param");
    assertDomainAllowed(principalOf(c), domainId);
    return c.json(await queries.usage(domainId, period), 200);
  });
}
