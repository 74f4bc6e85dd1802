import {
  createParakeyClient,
  type EventLogItem,
  type ParakeyClient,
  ParakeyPagingError,
  type WindowPage,
} from "@parakey-bridge/parakey-client";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { describe, expect, it } from "vitest";
import { createSimulator } from "./simulator.js";
import { describePaging, type PagingBehaviour, pagingMatrix } from "./store/paging-behaviour.js";

// The client's window read against every way Parakey's server might page (the simulator's switches):
// whatever the server does, a read either proves it read every event log of the window or throws
// ParakeyPagingError, and never claims (`completeBelow`, `complete`) more than it yielded.

const TOKEN = "matrix-token";
const NOW = new Date("2026-11-23T08:00:00Z");
const from = new Date(NOW.getTime() - 60 * 60_000);
const PAGE = 10;

interface Stored {
  id: string;
  createdAtMs: number;
}

/** A server that honours every paging parameter and orders ties stably; each test below changes one thing. */
const honest: PagingBehaviour = {
  ascending: "honoured",
  offset: "honoured",
  ties: "stable",
  startDate: "inclusive",
};

function world(paging: PagingBehaviour) {
  const clock = new ManualClock(NOW);
  const sim = createSimulator({ token: TOKEN, clock, offlineFraction: 0, paging });
  const client: ParakeyClient = createParakeyClient({
    token: TOKEN,
    baseUrl: "http://parakey.test",
    clock,
    fetch: ((input: string | URL | Request, init?: RequestInit) =>
      sim.app.request(input instanceof Request ? input : String(input), init)) as typeof fetch,
  });
  const stored: Stored[] = [];
  const add = (id: string, createdAtMs: number) => {
    const createdAt = new Date(createdAtMs).toISOString();
    sim.api.addEvents([{ id, createdAt, timestamp: createdAt, device: { id: "lock-1" } }]);
    stored.push({ id, createdAtMs });
  };
  // A day of history before the window, more than a page of it.
  for (let i = 0; i < 2 * PAGE; i++) add(`old_${i}`, from.getTime() - 24 * 3_600_000 + i * 60_000);
  return { sim, client, stored, add };
}

/**
 * `count` event logs in the window, two sharing each createdAt, the first at exactly `from`. (Newest
 * first with offset, a page must hold a boundary's ties plus the item before and after them: with a
 * cap of 4, ties of two.)
 */
function fillWindow(add: (id: string, at: number) => void, count: number): void {
  for (let i = 0; i < count; i++) add(`el_${i}`, from.getTime() + Math.floor(i / 2) * 1_000);
}

const idOf = (item: EventLogItem) =>
  item.ok ? item.event.eventLogId : String((item.raw as { id: unknown }).id);

/** Reads the window, checking after every page that nothing is claimed that was not yielded. */
async function readChecked(client: ParakeyClient, stored: Stored[], until?: Date) {
  const yielded: string[] = [];
  const pages: WindowPage[] = [];
  const inWindow = (event: Stored) =>
    event.createdAtMs >= from.getTime() && (until === undefined || event.createdAtMs < until.getTime());
  let error: unknown;
  try {
    for await (const page of client.readWindow(from, { pageSize: PAGE, ...(until ? { until } : {}) })) {
      pages.push(page);
      yielded.push(...page.items.map(idOf));
      const claimed = page.complete ? Number.POSITIVE_INFINITY : (page.completeBelow?.getTime() ?? 0);
      const owed = stored.filter((event) => inWindow(event) && event.createdAtMs < claimed);
      expect(owed.filter((event) => !yielded.includes(event.id))).toEqual([]);
    }
  } catch (caught) {
    error = caught;
  }
  return { yielded, pages, error, expected: stored.filter(inWindow).map((event) => event.id) };
}

/**
 * Past one page: oldest first with startDate as the cursor, newest first with offset, or newest
 * first with a growing limit (a server that ignores offset but honours a larger limit).
 */
const canContinue = (paging: PagingBehaviour) =>
  paging.ascending === "honoured" || paging.offset === "honoured" || paging.limitCap === undefined;

describe.each(pagingMatrix([undefined, 4]).map((paging) => [describePaging(paging), paging] as const))(
  "window read, server with %s",
  (_name, paging) => {
    it("reads a window smaller than a page completely", async () => {
      const { client, stored, add } = world(paging);
      fillWindow(add, Math.min(PAGE, paging.limitCap ?? PAGE) - 1);
      const { yielded, pages, error, expected } = await readChecked(client, stored);
      expect(error).toBeUndefined();
      expect(pages.at(-1)?.complete).toBe(true);
      expect(new Set(yielded)).toEqual(new Set(expected));
      expect(yielded).toHaveLength(expected.length);
    });

    it(
      canContinue(paging)
        ? "reads a window of several pages completely, ties across page boundaries included"
        : "stops with a paging violation on a window of several pages, having claimed nothing",
      async () => {
        const { client, stored, add } = world(paging);
        fillWindow(add, 4 * PAGE + 2);
        const { yielded, pages, error, expected } = await readChecked(client, stored);
        if (canContinue(paging)) {
          expect(error).toBeUndefined();
          expect(pages.at(-1)?.complete).toBe(true);
          expect(new Set(yielded)).toEqual(new Set(expected));
          expect(yielded).toHaveLength(expected.length);
        } else {
          expect(error).toBeInstanceOf(ParakeyPagingError);
          expect((error as ParakeyPagingError).reason).toMatch(/repeated_page|tie_exceeds_page/);
          expect(pages.every((page) => !page.complete && page.completeBelow === undefined)).toBe(true);
        }
      },
    );

    it("reads a bounded range (a backfill) completely, or stops with a violation", async () => {
      const { client, stored, add } = world(paging);
      fillWindow(add, 4 * PAGE + 2);
      const until = new Date(from.getTime() + 7_000);
      const { yielded, pages, error, expected } = await readChecked(client, stored, until);
      if (canContinue(paging)) {
        expect(error).toBeUndefined();
        expect(pages.at(-1)?.complete).toBe(true);
        expect(new Set(yielded)).toEqual(new Set(expected));
      } else {
        expect(error).toBeInstanceOf(ParakeyPagingError);
      }
    });
  },
);

describe("window read, verification", () => {
  it("stops with outside_window when the server ignores startDate", async () => {
    const { sim, client, stored, add } = world(honest);
    fillWindow(add, 3 * PAGE);
    // A server that drops startDate answers from the oldest event log of all.
    const original = sim.app.fetch;
    const { error } = await readChecked(
      createParakeyClient({
        token: TOKEN,
        baseUrl: "http://parakey.test",
        fetch: ((input: string | URL | Request) => {
          const url = new URL(input instanceof Request ? input.url : String(input));
          url.searchParams.delete("startDate");
          return original(new Request(url, { headers: { "access-token": TOKEN } }));
        }) as typeof fetch,
      }),
      stored,
    );
    expect(error).toBeInstanceOf(ParakeyPagingError);
    expect((error as ParakeyPagingError).reason).toBe("outside_window");
    expect(client).toBeDefined();
  });

  it("stops with tie_exceeds_page when more event logs share one createdAt than the server returns in a page", async () => {
    const { client, stored, add } = world({ ...honest, ties: "unstable", limitCap: PAGE });
    for (let i = 0; i < PAGE + 3; i++) add(`same_${i}`, from.getTime() + 5_000);
    const { error } = await readChecked(client, stored);
    expect(error).toBeInstanceOf(ParakeyPagingError);
    expect((error as ParakeyPagingError).reason).toBe("tie_exceeds_page");
  });

  it.each([
    ["ascending", "honoured", "ignored"],
    ["offset", "ignored", "honoured"],
  ] as const)(
    "reads more ties than a page holds with a larger limit (%s)",
    async (_mode, ascending, offset) => {
      const { client, stored, add } = world({ ...honest, ascending, offset, ties: "unstable" });
      add("before", from.getTime() + 1_000);
      for (let i = 0; i < 2 * PAGE + 5; i++) add(`same_${i}`, from.getTime() + 5_000);
      add("after", from.getTime() + 9_000);
      // Enough history for the newest page of all history to show the server returns large pages.
      for (let i = 0; i < 4 * PAGE; i++) add(`older_${i}`, from.getTime() - 3_600_000 + i);
      const { yielded, error, expected } = await readChecked(client, stored);
      expect(error).toBeUndefined();
      expect(new Set(yielded)).toEqual(new Set(expected));
    },
  );

  it("learns that a short page is the server's cap, not the end, from the newest page of all history", async () => {
    const { sim, client, stored, add } = world({ ...honest, ascending: "ignored", limitCap: 4 });
    fillWindow(add, 9);
    sim.api.resetStats();
    const { yielded, error, expected } = await readChecked(client, stored);
    expect(error).toBeUndefined();
    expect(new Set(yielded)).toEqual(new Set(expected));
    expect(sim.api.stats().api.recent.some((request) => !request.query.includes("startDate"))).toBe(true);
  });
});
