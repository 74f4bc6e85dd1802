import { createRoute, z } from "@hono/zod-openapi";
import { AUTH_ERRORS, canSeeDomain, principalOf } from "@parakey-bridge/auth";
import { type ApiApp, errorResponses } from "@parakey-bridge/service-kit";
import { Period } from "../period.js";
import { usageCsv } from "../usage-csv.js";
import type { UsageQueries } from "../usage-store.js";

/**
 * `GET /v1/periods/{period}/usage.csv` — every domain's usage lines of a month as CSV (one
 * provisional `usage` line per domain while open; `issued` plus `adjustment` lines once closed).
 */
export const usageExportRoute = createRoute({
  method: "get",
  path: "/v1/periods/{period}/usage.csv",
  summary: "Every domain's usage lines of a month, as CSV",
  request: { params: z.object({ period: Period }) },
  responses: {
    200: {
      description:
        "One `usage` line per domain while the period is open; `issued` and `adjustment` lines once closed. Only the principal's domains.",
      content: { "text/csv": { schema: z.string() } },
    },
    ...errorResponses(...AUTH_ERRORS, "invalid_request", "db_unavailable"),
  },
});

export function registerUsageExport(app: ApiApp, queries: UsageQueries): void {
  app.openapi(usageExportRoute, async (c) => {
    const { period } = c.req.valid("param");
    const principal = principalOf(c);
    const lines = await queries.usageLines(period);
    const csv = usageCsv(lines.filter((line) => canSeeDomain(principal, line.domainId)));
    c.header("Content-Type", "text/csv; charset=utf-8");
    c.header("Content-Disposition", `attachment; filename="usage-${period}.csv"`);
    return c.body(csv, 200);
  });
}
