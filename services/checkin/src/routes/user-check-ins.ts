import {
  type AccessLog,
  assertDomainAllowed,
  canSeeDomain,
  principalOf,
  requireRole,
} from "@parakey-bridge/auth";
import { requestIdOf } from "@parakey-bridge/service-kit";
import type { Hono } from "hono";
import { z } from "zod";
import type { CheckInQueries } from "../check-in-store.js";
import { LocalDate, PathId, parseInput } from "./params.js";

/** The longest range one request may ask for: bounds the answer without paging. */
export const MAX_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;

const Query = z
  .object({ from: LocalDate, to: LocalDate, domainId: PathId.optional() })
  .refine((q) => q.from <= q.to, { error: "from must not be after to", path: ["from"] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / DAY_MS < MAX_RANGE_DAYS, {
    error: `at most ${MAX_RANGE_DAYS} days per request`,
    path: ["to"],
  });

/**
 * `GET /v1/users/:userId/check-ins?from=YYYY-MM-DD&to=YYYY-MM-DD[&domainId=…]` — one person's
 * check-ins over a range of local days (both ends included), in every domain or one. Looking up a
 * named person is reading personal data: it needs the `auditor` role (403 otherwise) and is recorded
 * before the answer. A principal limited to some domains sees the person's check-ins there only.
 */
export function registerUserCheckIns(
  app: Hono,
  deps: { queries: CheckInQueries; accessLog: AccessLog },
): void {
  app.get("/v1/users/:userId/check-ins", requireRole("auditor"), async (c) => {
    const principal = principalOf(c);
    const userId = parseInput(PathId, c.req.param("userId"));
    const query = parseInput(Query, c.req.query());
    if (query.domainId !== undefined) assertDomainAllowed(principal, query.domainId);
    const checkIns = (await deps.queries.checkInsOfUser(userId, query)).filter((checkIn) =>
      canSeeDomain(principal, checkIn.domainId),
    );
    await deps.accessLog.record({
      principal,
      action: "user_check_ins",
      filters: { userId, ...query },
      subjects: checkIns.map((checkIn) => checkIn.checkInId),
      requestId: requestIdOf(c),
    });
    return c.json({ userId, from: query.from, to: query.to, checkIns });
  });
}
