import { createRoute, z } from "@hono/zod-openapi";
import {
  type AccessLog,
  AUTH_ERRORS,
  assertDomainAllowed,
  hasRole,
  type Pseudonymiser,
  principalOf,
} from "@parakey-bridge/auth";
import { type ApiApp, jsonResponses, requestIdOf, ValidationError } from "@parakey-bridge/service-kit";
import type { CheckInQueries, DayCursor } from "../check-in-store.js";
import type { DomainSettings } from "../domain-settings.js";
import { CheckInView, LocalDate, PathId } from "./params.js";

const DayCheckIns = z
  .object({
    domainId: z.string(),
    date: z.iso.date(),
    timeZone: z.string(),
    unlocks: z.object({
      unlocks: z.int().describe("Every unlock of the day, failed and user-less ones included."),
      successfulUnlocks: z.int(),
      anonymousUnlocks: z.int(),
    }),
    checkIns: z.array(CheckInView),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last."),
  })
  .openapi("DayCheckIns");

/**
 * `GET /v1/domains/{domainId}/check-ins?date=YYYY-MM-DD&limit=100&cursor=…` — the check-ins of a
 * domain's local day in check-in order, a page at a time (`nextCursor` is null on the last page),
 * with the day's unlock counts (failed and user-less unlocks included). A domain outside the
 * principal's answers 403. Auditors see each person's id (the read is recorded first); everyone else
 * a pseudonym, with a sealed cursor (a plain one would carry a user id).
 */
export const dayCheckInsRoute = createRoute({
  method: "get",
  path: "/v1/domains/{domainId}/check-ins",
  summary: "The check-ins of a domain's local day",
  request: {
    params: z.object({ domainId: PathId }),
    query: z.object({
      date: LocalDate,
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      cursor: z.string().max(1000).optional(),
    }),
  },
  responses: jsonResponses(
    "One page of the day's check-ins and the day's unlock counts.",
    DayCheckIns,
    ...AUTH_ERRORS,
    "invalid_request",
    "forbidden",
    "db_unavailable",
  ),
});

export function registerDayCheckIns(
  app: ApiApp,
  deps: {
    queries: CheckInQueries;
    settings: DomainSettings;
    accessLog: AccessLog;
    pseudonyms: Pseudonymiser;
  },
): void {
  app.openapi(dayCheckInsRoute, async (c) => {
    const principal = principalOf(c);
    const { domainId } = c.req.valid("param");
    const query = c.req.valid("query");
    assertDomainAllowed(principal, domainId);
    const auditor = hasRole(principal, "auditor");
    const codec = auditor ? plainCursor : sealedCursor(deps.pseudonyms);
    const after = query.cursor === undefined ? undefined : codec.decode(query.cursor);
    if (query.cursor !== undefined && after === undefined) {
      throw new ValidationError("cursor: not a cursor this API returned");
    }
    const [page, unlocks] = await Promise.all([
      deps.queries.checkInsOfDay(domainId, query.date, { limit: query.limit, after }),
      deps.queries.dayUnlocks(domainId, query.date),
    ]);
    if (auditor) {
      await deps.accessLog.record({
        principal,
        action: "day_check_ins",
        filters: { domainId, date: query.date },
        subjects: page.items.map((item) => item.checkInId),
        requestId: requestIdOf(c),
      });
    }
    return c.json(
      {
        domainId,
        date: query.date,
        timeZone: deps.settings.timeZoneOf(domainId),
        unlocks,
        checkIns: auditor
          ? page.items
          : page.items.map((item) => ({
              ...item,
              userId: deps.pseudonyms.of(item.userId),
              personalData: "pseudonymised" as const,
            })),
        nextCursor: page.next === undefined ? null : codec.encode(page.next),
      },
      200,
    );
  });
}

interface CursorCodec {
  encode(cursor: DayCursor): string;
  decode(value: string): DayCursor | undefined;
}

/** Opaque to clients: where the previous page ended. */
const plainCursor: CursorCodec = {
  encode: (cursor) =>
    Buffer.from(JSON.stringify([cursor.occurredAt, cursor.userId]), "utf8").toString("base64url"),
  decode: (value) => cursorOfJson(Buffer.from(value, "base64url").toString("utf8")),
};

/** The same, sealed: a principal who may not read user ids cannot read one from the cursor either. */
const sealedCursor = (pseudonyms: Pseudonymiser): CursorCodec => ({
  encode: (cursor) => pseudonyms.seal(JSON.stringify([cursor.occurredAt, cursor.userId])),
  decode: (value) => {
    const text = pseudonyms.unseal(value);
    return text === undefined ? undefined : cursorOfJson(text);
  },
});

function cursorOfJson(text: string): DayCursor | undefined {
  try {
    const parsed = z.tuple([z.iso.datetime(), z.string().min(1)]).safeParse(JSON.parse(text));
    return parsed.success ? { occurredAt: parsed.data[0], userId: parsed.data[1] } : undefined;
  } catch {
    // Not JSON at all: the same answer as a well-formed cursor of the wrong shape.
    return undefined;
  }
}
