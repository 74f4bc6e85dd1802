import { canSeeDomain, principalOf } from "@parakey-bridge/auth";
import { ValidationError } from "@parakey-bridge/service-kit";
import type { Hono } from "hono";
import { z } from "zod";
import { Period } from "../period.js";
import { usageCsv } from "../usage-csv.js";
import type { UsageQueries } from "../usage-store.js";

/**
 * `GET /v1/periods/:period/usage.csv` — every domain's usage lines of a month as CSV (one
 * provisional `usage` line per domain while open; `issued` plus `adjustment` lines once closed).
 */
export function registerUsageExport(app: Hono, queries: UsageQueries): void {
  app.get("/v1/periods/:period/usage.csv", async (c) => {
    const parsed = Period.safeParse(c.req.param("period"));
    if (!parsed.success) throw new ValidationError(`period: ${z.prettifyError(parsed.error)}`);
    const principal = principalOf(c);
    const lines = await queries.usageLines(parsed.data);
    const csv = usageCsv(lines.filter((line) => canSeeDomain(principal, line.domainId)));
    c.header("Content-Type", "text/csv; charset=utf-8");
    c.header("Content-Disposition", `attachment; filename="usage-${parsed.data}.csv"`);
    return c.body(csv);
  });
}
