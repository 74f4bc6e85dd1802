import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { ParakeyPagingError } from "@parakey-bridge/parakey-client";
import { describePaging, type PagingBehaviour, pagingMatrix } from "@parakey-bridge/parakey-simulator";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createAllowlist } from "../allowlist.js";
import { RecentEventIds } from "../dedupe/recent-event-ids.js";
import type { EventSink } from "../event-sink.js";
import { createIngressMetrics } from "../metrics.js";
import { MemorySink } from "../testing/memory-sink.js";
import { GapDetector } from "./gap-detector.js";
import { inProcessParakey } from "./in-process-parakey.js";
import { MemoryCheckpointStore } from "./memory-checkpoint-store.js";
import { runPollCycle } from "./poll-cycle.js";
import { pollStartDate } from "./poll-window.js";
import { EventLogPublisher } from "./publisher.js";

const MINUTE = 60_000;

function setup(options: { paging?: Partial<PagingBehaviour>; pageSize?: number } = {}) {
  const clock = new ManualClock(new Date("2026-11-23T08:00:00Z"));
  const { sim, client } = inProcessParakey(clock, options.paging);
  // Two days of history before any window: the newest page of all history shows the server returns
  // full pages, so a short page of a window is provably its end.
  sim.api.addEvents(
    Array.from({ length: 20 }, (_, i) => {
      const createdAt = new Date(clock.nowMs() - 2 * 24 * 60 * MINUTE + i * MINUTE);
      return eventLogFixture({ id: `el_history_${i}`, createdAt, timestamp: createdAt });
    }),
  );
  const sink = new MemorySink();
  const store = new MemoryCheckpointStore();
  const recent = new RecentEventIds({ max: 1000, ttlMs: 60 * MINUTE, clock });
  const gaps = new GapDetector({ windowMs: 30 * MINUTE, clock });
  const publisher = new EventLogPublisher({
    sink,
    metrics: createIngressMetrics(new Registry()),
    recent,
    topics: { eventLogs: "events", rejected: "rejected" },
    allowlist: createAllowlist({ domainIds: [], deviceIds: [] }),
    integration: "acme",
    clock,
    gaps,
  });
  const deps = {
    client,
    publisher,
    store,
    key: "acme",
    clock,
    overlapMs: 5 * MINUTE,
    startDate: undefined,
    pageSize: options.pageSize ?? 10,
  };
  const signal = new AbortController().signal;
  const add = (id: string, createdAt: Date, extra: Record<string, unknown> = {}) =>
    sim.api.addEvents([
      { ...eventLogFixture({ id, createdAt, timestamp: new Date(createdAt.getTime() - 1_000) }), ...extra },
    ]);
  return { clock, sim, sink, store, recent, gaps, deps, signal, add };
}

/**
 * Whether a server can be read past one page with ties of two at each createdAt: oldest first with
 * startDate as the cursor, or newest first with a limit that may grow (offset honoured or not). A
 * cap of 3 cannot hold a boundary's two ties plus the items on either side, newest first.
 */
const readsPastOnePage = (paging: PagingBehaviour) =>
  paging.ascending === "honoured" || paging.limitCap === undefined;

describe("runPollCycle", () => {
  it("reads everything since now - overlap on a first poll and checkpoints the largest createdAt, the ETag and the time", async () => {
    const { clock, sink, store, deps, signal, add } = setup();
    for (let i = 0; i < 7; i++) add(`el_${i}`, new Date(clock.nowMs() - 4 * MINUTE + i * 1_000));
    add("el_too_old", new Date(clock.nowMs() - 6 * MINUTE));

    const result = await runPollCycle(deps, undefined, signal);

    expect(result.outcome).toBe("read");
    expect(
      sink
        .on("events")
        .map((r) => r.headers?.ce_id)
        .sort(),
    ).toEqual(["el_0", "el_1", "el_2", "el_3", "el_4", "el_5", "el_6"]);
    expect(result.outcome === "read" && result.totals.complete).toBe(true);
    const last = await store.load("acme");
    expect(last).toMatchObject({
      highWaterMark: new Date(clock.nowMs() - 4 * MINUTE + 6_000),
      readAt: clock.now(),
      lastSuccessAt: clock.now(),
    });
    expect(last?.etag).toMatch(/^"/);
  });

  it("ends with the one limit=1 request when the ETag still matches", async () => {
    const { clock, sim, sink, store, deps, signal, add } = setup();
    add("el_1", clock.now());
    const first = await runPollCycle(deps, undefined, signal);
    sim.api.resetStats();
    const saves = store.saves.length;
    const produced = sink.records.length;

    const second = await runPollCycle(deps, first.checkpoint, signal);

    expect(second.outcome).toBe("not_modified");
    expect(sim.api.stats().api).toMatchObject({ total: 1, byStatus: { "304": 1 } });
    expect(store.saves.length).toBe(saves);
    expect(sink.records.length).toBe(produced);
  });

  it("keeps the previous ETag in checkpoints written mid-read, so a crash there re-reads", async () => {
    // Only an oldest-first read proves anything mid-read.
    const { clock, store, deps, signal, add } = setup({ paging: { ascending: "honoured" }, pageSize: 3 });
    for (let i = 0; i < 6; i++) add(`el_${i}`, new Date(clock.nowMs() - MINUTE + i * 1_000));
    await runPollCycle(deps, { etag: '"old"' }, signal);
    const progress = store.saves.slice(0, -1);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((save) => save.checkpoint.etag === '"old"')).toBe(true);
    expect(store.saves.at(-1)?.checkpoint.etag).not.toBe('"old"');
  });

  it("does not produce again what the webhook stored, and stores an unreadable item on the rejected topic once", async () => {
    const { clock, sink, recent, deps, signal, add } = setup();
    add("el_webhook", clock.now());
    add("el_broken", clock.now(), { device: null });
    await recent.storeOnce("el_webhook", async () => {});

    const first = await runPollCycle(deps, undefined, signal);
    expect(sink.on("events")).toEqual([]);
    expect(sink.on("rejected")).toHaveLength(1);
    expect(sink.on("rejected")[0]?.headers).toMatchObject({
      "pb-reject-reason": "missing_device_id",
      "pb-via": "poll",
      "pb-integration": "acme",
      "pb-event-log-id": "el_broken",
    });

    clock.advance(1_000);
    add("el_new", clock.now());
    await runPollCycle(deps, first.checkpoint, signal);
    expect(sink.on("rejected")).toHaveLength(1);
    expect(sink.on("events").map((r) => r.headers?.ce_id)).toEqual(["el_new"]);
  });

  it("writes no checkpoint past a page Kafka did not acknowledge", async () => {
    const { clock, sink, store, deps, signal, add } = setup();
    add("el_1", clock.now());
    sink.failWith();
    await expect(runPollCycle(deps, undefined, signal)).rejects.toThrow(/Kafka/);
    expect(store.saves).toEqual([]);
  });

  it("hands events the webhook did not bring to the gap detector, and counts at once those already past the window", async () => {
    const { clock, gaps, deps, signal, add } = setup();
    add("el_young", new Date(clock.nowMs() - MINUTE));
    const result = await runPollCycle(
      { ...deps, startDate: new Date(clock.nowMs() - 60 * MINUTE) },
      undefined,
      signal,
    );
    expect(result.outcome === "read" && result.totals.recovered).toEqual([]);
    expect(gaps.isWatched("el_young")).toBe(true);

    add("el_old_upload", new Date(clock.nowMs() - 45 * MINUTE));
    const again = await runPollCycle(
      { ...deps, startDate: new Date(clock.nowMs() - 60 * MINUTE) },
      { etag: '"stale"' },
      signal,
    );
    expect(again.outcome === "read" && again.totals.recovered).toEqual(["el_old_upload"]);
    clock.advance(30 * MINUTE);
    expect(gaps.settle(() => false)).toEqual(["el_young"]);
  });
});

describe.each(pagingMatrix([undefined, 3]).map((paging) => [describePaging(paging), paging] as const))(
  "runPollCycle, Parakey server with %s",
  (_name, paging) => {
    it(
      readsPastOnePage(paging)
        ? "produces every event of a several-page window after a read interrupted by a 5xx, and checkpoints nothing it did not read"
        : "stops with a paging violation on a several-page window, and checkpoints nothing it did not read",
      async () => {
        const { clock, sim, sink, store, signal, add, ...rest } = setup({ paging, pageSize: 4 });
        // A first poll from an hour ago: the window spans far more than the overlap.
        const windowStart = clock.nowMs() - 60 * MINUTE;
        const deps = { ...rest.deps, startDate: new Date(windowStart) };
        // 14 event logs, two sharing each createdAt.
        for (let i = 0; i < 14; i++) add(`el_${i}`, new Date(windowStart + Math.floor(i / 2) * 8 * MINUTE));
        // The read is cut after its first page reached Kafka: Parakey answers the next request 503.
        let faulted = false;
        const interrupting: EventSink = {
          send: async (records) => {
            if (!faulted) {
              faulted = true;
              sim.api.faults.inject({ kind: "server_error", status: 503 });
            }
            await sink.send(records);
          },
        };
        const interruptedDeps = { ...deps, publisher: publisherFor(interrupting, clock) };

        const outcomes: unknown[] = [];
        let checkpoint = await store.load("acme");
        for (let cycle = 0; cycle < 3; cycle++) {
          clock.advance(1_000);
          try {
            const result = await runPollCycle(cycle === 0 ? interruptedDeps : deps, checkpoint, signal);
            outcomes.push(result.outcome);
          } catch (error) {
            outcomes.push(error);
          }
          checkpoint = await store.load("acme");
          expectNothingLost();
        }

        const inWindow = sim.api
          .eventLogs()
          .map((log) => String(log.id))
          .filter((id) => id.startsWith("el_") && !id.startsWith("el_history_"));
        if (readsPastOnePage(paging)) {
          expect(outcomes).toContain("read");
          expect(inWindow.filter((id) => !produced().has(id))).toEqual([]);
          expect(checkpoint?.etag).toBeDefined();
        } else {
          expect(outcomes.at(-1)).toBeInstanceOf(ParakeyPagingError);
          expect(checkpoint?.etag).toBeUndefined();
        }

        /** Every event is produced or still ahead of where the next poll starts; an ETag only after all. */
        function expectNothingLost() {
          const nextStart = pollStartDate(checkpoint, {
            overlapMs: deps.overlapMs,
            now: clock.now(),
            startDate: deps.startDate,
          });
          const missing = sim.api
            .eventLogs()
            .filter((log) => String(log.id).startsWith("el_") && !String(log.id).startsWith("el_history_"))
            .filter((log) => !produced().has(String(log.id)));
          for (const log of missing) {
            expect(Date.parse(String(log.createdAt))).toBeGreaterThanOrEqual(nextStart.getTime());
          }
          if (checkpoint?.etag !== undefined) expect(missing).toEqual([]);
        }
        function produced() {
          return new Set(sink.on("events").map((record) => record.headers?.ce_id));
        }
      },
    );
  },
);

function publisherFor(sink: EventSink, clock: ManualClock): EventLogPublisher {
  return new EventLogPublisher({
    sink,
    metrics: createIngressMetrics(new Registry()),
    recent: new RecentEventIds({ max: 1000, ttlMs: 60 * MINUTE, clock }),
    topics: { eventLogs: "events", rejected: "rejected" },
    allowlist: createAllowlist({ domainIds: [], deviceIds: [] }),
    integration: "acme",
    clock,
  });
}
