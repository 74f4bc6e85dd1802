import { requireAllDomains, requireRole } from "@parakey-bridge/auth";
import { type Clock, errorResponse, ValidationError } from "@parakey-bridge/service-kit";
import type { Hono } from "hono";
import { z } from "zod";
import { isPeriodOver, Period } from "../period.js";
import type { UsageQueries } from "../usage-store.js";

/**
 * `POST /v1/periods/:period/close` — issues every domain's figures of a month. From then on a late
 * unlock of that month is an adjustment line, never a change to an issued figure. Closing again
 * answers the first close (`alreadyClosed: true`); closing a month that has not ended in every
 * billed time zone answers 409 `period_not_over`. It acts for every customer, so it needs the `operator`
 * role and a principal not limited to some domains (403 otherwise).
 */
export function registerClosePeriod(
  app: Hono,
  deps: { queries: UsageQueries; clock: Clock; timeZones: readonly string[]; onClosed?: () => void },
): void {
  app.post("/v1/periods/:period/close", requireRole("operator"), requireAllDomains(), async (c) => {
    const parsed = Period.safeParse(c.req.param("period"));
    if (!parsed.success) throw new ValidationError(`period: ${z.prettifyError(parsed.error)}`);
    const period = parsed.data;
    const now = deps.clock.now();
    if (!isPeriodOver(period, now, deps.timeZones)) {
      return errorResponse(
        c,
        409,
        "period_not_over",
        `${period} has not ended in every billed time zone (${deps.timeZones.join(", ")})`,
      );
    }
    const closed = await deps.queries.closePeriod(period, now);
    if (!closed.alreadyClosed) deps.onClosed?.();
    return c.json(closed);
  });
}
