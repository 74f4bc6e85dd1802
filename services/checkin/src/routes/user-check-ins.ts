import { createRoute, z } from "@hono/zod-openapi";
import {
  type AccessLog,
  AUTH_ERRORS,
  assertDomainAllowed,
  canSeeDomain,
  principalOf,
  requireRole,
} from "@parakey-bridge/auth";
import { type ApiApp, jsonResponses, requestIdOf } from "@parakey-bridge/service-kit";
import type { CheckInQueries } from "../check-in-store.js";
import { CheckInView, LocalDate, PathId } from "./params.js";

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

const UserCheckIns = z
  .object({ userId: z.string(), from: z.iso.date(), to: z.iso.date(), checkIns: z.array(CheckInView) })
  .openapi("UserCheckIns");

/**
 * `GET /v1/users/{userId}/check-ins?from=YYYY-MM-DD&to=YYYY-MM-DD[&domainId=…]` — one person's
 * check-ins over a range of local days (both ends included), in every domain or one. Looking up a
 * named person is reading personal data: it needs the `auditor` role (403 otherwise) and is recorded
 * before the answer. A principal limited to some domains sees the person's check-ins there only.
 */
export const userCheckInsRoute = createRoute({
  method: "get",
  path: "/v1/users/{userId}/check-ins",
  summary: "One person's check-ins over a range of days (auditor)",
  middleware: [requireRole("auditor")] as const,
  request: { params: z.object({ userId: PathId }), query: Query },
  responses: jsonResponses(
    "The person's check-ins in the principal's domains; the read is recorded.",
    UserCheckIns,
    ...AUTH_ERRORS,
    "invalid_request",
    "forbidden",
    "db_unavailable",
  ),
});

export function registerUserCheckIns(
  app: ApiApp,
  deps: { queries: CheckInQueries; accessLog: AccessLog },
): void {
  app.openapi(userCheckInsRoute, async (c) => {
    const principal = principalOf(c);
    const { userId } = c.req.valid("param");
    const query = c.req.valid("query");
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
    return c.json({ userId, from: query.from, to: query.to, checkIns }, 200);
  });
}
