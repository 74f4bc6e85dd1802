import { z } from "zod";

/**
 * How the simulated `GET /eventLogs` treats the parameters Parakey does not document. Each switch
 * is one way Parakey's real server might behave; the bridge must be correct under every mix, so its
 * poller and backfill tests run against all of them.
 *
 * The default is the documented behaviour alone: `startDate` (inclusive) and `limit` work,
 * `orderBy=createdAt:ASC` and `offset` are ignored (the answer is newest first from the top), no cap
 * below the requested `limit`, and event logs sharing one `createdAt` keep a stable order.
 */
export const PagingBehaviour = z.object({
  /** `orderBy=createdAt:ASC` sorts oldest first (`honoured`) or is ignored: newest first regardless. */
  ascending: z.enum(["honoured", "ignored"]).default("ignored"),
  /** `offset` skips that many items (`honoured`) or is ignored: every answer starts at the top. */
  offset: z.enum(["honoured", "ignored"]).default("ignored"),
  /**
   * The largest page the server returns, whatever `limit` asks (and the page size without one).
   * Absent: `limit` is honoured at any size, and no `limit` returns everything.
   */
  limitCap: z.int().min(1).optional(),
  /** Event logs sharing one `createdAt` come in arrival order (`stable`) or shuffled per request. */
  ties: z.enum(["stable", "unstable"]).default("stable"),
  /** `startDate` keeps `createdAt >= startDate` (`inclusive`) or `createdAt > startDate`. */
  startDate: z.enum(["inclusive", "exclusive"]).default("inclusive"),
});
export type PagingBehaviour = z.infer<typeof PagingBehaviour>;

/** The documented behaviour alone (every switch at its default). */
export const DOCUMENTED_PAGING: PagingBehaviour = PagingBehaviour.parse({});

/**
 * Every combination of the switches, for test matrices: ASC and offset honoured or not, ties stable
 * or not, startDate inclusive or not, and each of `caps` (undefined = no cap).
 *
 * @example
 * for (const paging of pagingMatrix([undefined, 2])) it(describePaging(paging), ...);
 */
export function pagingMatrix(caps: readonly (number | undefined)[]): PagingBehaviour[] {
  const all: PagingBehaviour[] = [];
  for (const ascending of ["ignored", "honoured"] as const)
    for (const offset of ["ignored", "honoured"] as const)
      for (const ties of ["stable", "unstable"] as const)
        for (const startDate of ["inclusive", "exclusive"] as const)
          for (const limitCap of caps)
            all.push({ ascending, offset, ties, startDate, ...(limitCap === undefined ? {} : { limitCap }) });
  return all;
}

/**
 * A short name of a behaviour for test titles and logs.
 *
 * @example
 * describePaging(DOCUMENTED_PAGING); // "asc ignored, offset ignored, no cap, stable ties, inclusive startDate"
 */
export function describePaging(paging: PagingBehaviour): string {
  return [
    `asc ${paging.ascending}`,
    `offset ${paging.offset}`,
    paging.limitCap === undefined ? "no cap" : `limit cap ${paging.limitCap}`,
    `${paging.ties} ties`,
    `${paging.startDate} startDate`,
  ].join(", ");
}
