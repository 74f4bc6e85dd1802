import {
  type EventLogOrder,
  type ResolvedEventLogsQuery,
  selectEventLogs,
} from "@parakey-bridge/parakey-client";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { describe, expect, it } from "vitest";
import { EventLogStore, type StoredEventLog } from "./event-log-store.js";

// The store answers queries from sorted views; the shared paging assumption (selectEventLogs over the
// arrival order) is the reference it must match for every query, including createdAt ties and
// queries after more event logs arrived.

const base = Date.parse("2026-11-23T08:00:00.000Z");

/** A small deterministic generator, so a failure names a reproducible case. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function eventLogs(count: number, next: () => number, firstId: number): StoredEventLog[] {
  // Few distinct createdAt values, so ties are common; some payloads have none (filed at arrival).
  return Array.from({ length: count }, (_, i) => {
    const createdAt =
      next() < 0.1 ? undefined : new Date(base + Math.floor(next() * 20) * 1_000).toISOString();
    return { id: firstId + i, ...(createdAt === undefined ? {} : { createdAt }) };
  });
}

function reference(all: readonly StoredEventLog[], arrivalMs: number, query: ResolvedEventLogsQuery) {
  const createdAtMs = (log: StoredEventLog) =>
    typeof log.createdAt === "string" ? Date.parse(log.createdAt) : arrivalMs;
  return selectEventLogs(all, query, createdAtMs).map((log) => log.id);
}

describe("EventLogStore.query", () => {
  it("answers every query exactly as the paging assumption does, before and after new arrivals", () => {
    const next = random(7);
    const clock = new ManualClock(new Date(base + 10_000));
    const store = new EventLogStore(clock);
    // The reference is a server honouring every parameter.
    store.paging = { ascending: "honoured", offset: "honoured", ties: "stable", startDate: "inclusive" };
    const added: StoredEventLog[] = [];
    for (let round = 0; round < 3; round++) {
      const batch = eventLogs(60, next, round * 100);
      store.add(batch);
      added.push(...batch);
      for (let i = 0; i < 200; i++) {
        const order: EventLogOrder = next() < 0.5 ? "createdAt:ASC" : "createdAt:DESC";
        const startMs = base + Math.floor(next() * 24) * 1_000 - 2_000;
        const query: ResolvedEventLogsQuery = {
          startDate: next() < 0.2 ? undefined : new Date(startMs),
          orderBy: order,
          limit: next() < 0.2 ? undefined : 1 + Math.floor(next() * 30),
          offset: Math.floor(next() * 70),
        };
        const got = store.query(query).map((log) => log.id);
        expect(got, JSON.stringify(query)).toEqual(reference(added, clock.nowMs(), query));
      }
    }
  });

  it("keeps only the newest arrivals beyond its capacity, and queries see that", () => {
    const store = new EventLogStore(new ManualClock(), 3);
    store.add([{ id: 1, createdAt: "2026-11-23T08:00:01Z" }]);
    expect(store.all().map((log) => log.id)).toEqual([1]);
    store.add([
      { id: 2, createdAt: "2026-11-23T08:00:00Z" },
      { id: 3, createdAt: "2026-11-23T08:00:03Z" },
      { id: 4, createdAt: "2026-11-23T08:00:02Z" },
    ]);
    expect(store.all().map((log) => log.id)).toEqual([2, 4, 3]);
    expect(store.get("1")).toBeUndefined();
  });
});
