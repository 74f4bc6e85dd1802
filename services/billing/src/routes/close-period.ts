import { createRoute, z } from "@hono/zod-openapi";
import { AUTH_ERRORS, requireAllDomains, requireRole } from "@parakey-bridge/auth";
import { type ApiApp, BridgeError, type Clock, jsonResponses } from "@parakey-bridge/service-kit";
import { isPeriodOver, Period } from "../period.js";
import type { UsageQueries } from "../usage-store.js";
import { ClosedPeriodSchema } from "./schemas.js";

/**
 * `POST /v1/periods/{period}/close` — issues every domain's figures of a month. From then on a late
 * unlock of that month is an adjustment line, never a change to an issued figure. Closing again
 * answers the first close (`alreadyClosed: true`); closing a month that has not ended in every
 * billed time zone answers 409 `period_not_over`. It acts for every customer, so it needs the `operator`
 * role and a principal not limited to some domains (403 otherwise).
 */
export const closePeriodRoute = createRoute({
  method: "post",
  path: "/v1/periods/{period}/close",
  summary: "Close a month: issue every domain's figures (operator, every domain)",
  middleware: [requireRole("operator"), requireAllDomains()] as const,
  request: { params: z.object({ period: Period }) },
  responses: jsonResponses(
    "The period is closed (now, or before: `alreadyClosed`).",
    ClosedPeriodSchema,
    ...AUTH_ERRORS,
    "invalid_request",
    "period_not_over",
    "db_unavailable",
  ),
});

export function registerClosePeriod(
  app: ApiApp,
  deps: { queries: UsageQueries; clock: Clock; timeZones: readonly string[]; onClosed?: () => void },
): void {
  app.openapi(closePeriodRoute, async (c) => {
    const { period } = c.req.valid("param");
    const now = deps.clock.now();
    if (!isPeriodOver(period, now, deps.timeZones)) {
      throw new BridgeError(
        "period_not_over",
        `${period} has not ended in every billed time zone (${deps.timeZones.join(", ")})`,
      );
    }
    const closed = await deps.queries.closePeriod(period, now);
    if (!closed.alreadyClosed) deps.onClosed?.();
    return c.json(closed, 200);
  });
}
