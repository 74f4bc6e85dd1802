import type { Hono } from "hono";
import { z } from "zod";
import type { CheckInQueries, DayCursor } from "../check-in-store.js";
import type { DomainSettings } from "../domain-settings.js";
import { LocalDate, PathId, parseInput } from "./params.js";

const Query = z.object({
  date: LocalDate,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z
    .string()
    .max(1000)
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const cursor = decodeCursor(value);
      if (cursor === undefined) ctx.addIssue({ code: "custom", message: "not a cursor this API returned" });
      return cursor;
    }),
});

/**
 * `GET /v1/domains/:domainId/check-ins?date=YYYY-MM-DD&limit=100&cursor=…` — the check-ins of a
 * domain's local day in check-in order, a page at a time (`nextCursor` is null on the last page),
 * with the day's unlock counts (failed and user-less unlocks included).
 */
export function registerDayCheckIns(
  app: Hono,
  deps: { queries: CheckInQueries; settings: DomainSettings },
): void {
  app.get("/v1/domains/:domainId/check-ins", async (c) => {
    const domainId = parseInput(PathId, c.req.param("domainId"));
    const query = parseInput(Query, c.req.query());
    const [page, unlocks] = await Promise.all([
      deps.queries.checkInsOfDay(domainId, query.date, { limit: query.limit, after: query.cursor }),
      deps.queries.dayUnlocks(domainId, query.date),
    ]);
    return c.json({
      domainId,
      date: query.date,
      timeZone: deps.settings.timeZoneOf(domainId),
      unlocks,
      checkIns: page.items,
      nextCursor: page.next === undefined ? null : encodeCursor(page.next),
    });
  });
}

/** Opaque to clients: where the previous page ended. */
function encodeCursor(cursor: DayCursor): string {
  return Buffer.from(JSON.stringify([cursor.occurredAt, cursor.userId]), "utf8").toString("base64url");
}

function decodeCursor(value: string): DayCursor | undefined {
  try {
    const parsed = z
      .tuple([z.iso.datetime(), z.string().min(1)])
      .safeParse(JSON.parse(Buffer.from(value, "base64url").toString("utf8")));
    return parsed.success ? { occurredAt: parsed.data[0], userId: parsed.data[1] } : undefined;
  } catch {
    // Not base64url JSON at all: the same answer as a well-formed cursor of the wrong shape.
    return undefined;
  }
}
