import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { ParakeyPagingError } from "@parakey-bridge/parakey-client";
import { describePaging, type PagingBehaviour, pagingMatrix } from "@parakey-bridge/parakey-simulator";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { waitUntil } from "@parakey-bridge/testkit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createAllowlist } from "../allowlist.js";
import { createIngressMetrics } from "../metrics.js";
import { backfillCheckpointKey } from "../poller/checkpoint.js";
import { inProcessParakey } from "../poller/in-process-parakey.js";
import { MemoryCheckpointStore } from "../poller/memory-checkpoint-store.js";
import { MemorySink } from "../testing/memory-sink.js";
import { runBackfill } from "./backfill.js";

const HOUR = 3_600_000;
const from = new Date("2026-11-20T00:00:00Z");
const to = new Date("2026-11-21T00:00:00Z");

function setup(paging: Partial<PagingBehaviour> = { ascending: "honoured" }) {
  const clock = new ManualClock(new Date("2026-11-23T08:00:00Z"));
  const { sim, client } = inProcessParakey(clock, paging);
  // One event an hour from a day before the range to a day after it.
  const logs = Array.from({ length: 72 }, (_, i) => {
    const createdAt = new Date(from.getTime() - 24 * HOUR + i * HOUR);
    return eventLogFixture({
      id: `el_${i}`,
      deviceId: `lock-${i % 4}`,
      createdAt,
      timestamp: new Date(createdAt.getTime() - 5_000),
    });
  });
  sim.api.addEvents(logs);
  const inRange = logs.filter(
    (log) =>
      Date.parse(log.createdAt as string) >= from.getTime() &&
      Date.parse(log.createdAt as string) < to.getTime(),
  );
  const sink = new MemorySink();
  const store = new MemoryCheckpointStore();
  const options = {
    integration: "acme",
    from,
    to,
    pageSize: 5,
    client,
    sink,
    store,
    metrics: createIngressMetrics(new Registry()),
    topics: { eventLogs: "events", rejected: "rejected" },
    allowlist: createAllowlist({ domainIds: [], deviceIds: [] }),
    clock,
  };
  return { sim, sink, store, options, inRange };
}

const idsOn = (sink: MemorySink) => sink.on("events").map((record) => record.headers?.ce_id);

describe("runBackfill (a server that honours orderBy=createdAt:ASC)", () => {
  it("produces exactly the event logs with from <= createdAt < to, as the poller would", async () => {
    const { sink, options, inRange } = setup();
    const result = await runBackfill({ ...options, signal: new AbortController().signal });
    expect(result.status).toBe("done");
    expect(idsOn(sink)).toEqual(inRange.map((log) => log.id));
    const first = sink.on("events")[0];
    expect(first?.key).toBe("lock-0");
    expect(JSON.parse(first?.value.toString() ?? "{}")).toMatchObject({ via: "poll", delayMs: 5_000 });
  });

  it("resumes after an interruption from its checkpoint, skipping nothing", async () => {
    const { sink, store, options, inRange } = setup();
    const interrupt = new AbortController();
    let pages = 0;
    await expect(
      runBackfill({
        ...options,
        signal: interrupt.signal,
        onProgress: () => {
          pages += 1;
          if (pages === 2) interrupt.abort(new Error("SIGINT"));
        },
      }),
    ).rejects.toThrow();
    const partial = new Set(idsOn(sink));
    expect(partial.size).toBeGreaterThan(0);
    expect(partial.size).toBeLessThan(inRange.length);

    const resumed = await runBackfill({ ...options, signal: new AbortController().signal });
    expect(resumed.status === "done" && resumed.progress.startedAt > from).toBe(true);
    expect(new Set(idsOn(sink))).toEqual(new Set(inRange.map((log) => log.id)));
    const key = backfillCheckpointKey("acme", from, to);
    expect((await store.load(key))?.done).toBe(true);
  });

  it("reads the next page while Kafka acknowledges the current one, and produces nothing twice or out of order", async () => {
    const { sim, sink, options, inRange } = setup();
    sink.hold();
    const run = runBackfill({ ...options, signal: new AbortController().signal });
    await waitUntil("the backfill sent a batch", () => sink.sends > 0, { timeoutMs: 10_000, intervalMs: 1 });
    const sendsForFirstPage = sink.sends;
    // The first page (from `from` on, ascending) is waiting for Kafka; the page after it is read meanwhile.
    const firstPageStart = encodeURIComponent(new Date(from.getTime() - 1).toISOString());
    const laterPagesAsked = () =>
      sim.api
        .stats()
        .api.recent.filter((r) => r.query.includes("createdAt%3AASC") && !r.query.includes(firstPageStart))
        .length;
    await waitUntil("the backfill asked for a later page", () => laterPagesAsked() > 0, {
      timeoutMs: 10_000,
      intervalMs: 1,
    });
    expect(sink.records).toHaveLength(0);
    expect(sink.sends).toBe(sendsForFirstPage);
    sink.release();
    expect((await run).status).toBe("done");
    expect(idsOn(sink)).toEqual(inRange.map((log) => log.id));
  });

  it("does not read a finished range again unless asked to restart", async () => {
    const { sim, sink, options } = setup();
    await runBackfill({ ...options, signal: new AbortController().signal });
    const produced = sink.records.length;
    sim.api.resetStats();

    expect(await runBackfill({ ...options, signal: new AbortController().signal })).toMatchObject({
      status: "already_done",
    });
    expect(sim.api.stats().api.total).toBe(0);

    await runBackfill({ ...options, restart: true, signal: new AbortController().signal });
    expect(sink.records.length).toBe(2 * produced);
  });
});

describe("runBackfill with a range reaching into the future", () => {
  it("produces what exists but does not mark the range done, and the next run reads what arrived since", async () => {
    const { sim, sink, store, options } = setup();
    const { clock } = options;
    const until = new Date(clock.nowMs() + 24 * HOUR);
    const ranged = { ...options, from: new Date(clock.nowMs() - HOUR), to: until };
    sim.api.addEvents([
      eventLogFixture({ id: "el_now", deviceId: "lock-1", createdAt: clock.now(), timestamp: clock.now() }),
    ]);
    const first = await runBackfill({ ...ranged, signal: new AbortController().signal });
    expect(first.status).toBe("open");
    expect((await store.load(backfillCheckpointKey("acme", ranged.from, until)))?.done).toBeUndefined();

    clock.advance(HOUR);
    sim.api.addEvents([
      eventLogFixture({ id: "el_later", deviceId: "lock-1", createdAt: clock.now(), timestamp: clock.now() }),
    ]);
    const second = await runBackfill({ ...ranged, signal: new AbortController().signal });
    expect(second.status).toBe("open");
    expect(new Set(idsOn(sink))).toEqual(new Set(["el_now", "el_later"]));
  });
});

/** Past one page: oldest first with a startDate cursor, newest first with offset or a growing limit. */
const readsPastOnePage = (paging: PagingBehaviour) =>
  paging.ascending === "honoured" || paging.offset === "honoured" || paging.limitCap === undefined;

describe.each(pagingMatrix([undefined, 3]).map((paging) => [describePaging(paging), paging] as const))(
  "runBackfill, Parakey server with %s",
  (_name, paging) => {
    it(
      readsPastOnePage(paging)
        ? "produces every event of the range across an interruption and marks it done"
        : "fails with a paging violation and never marks the range done or checkpoints past what it read",
      async () => {
        const { sink, store, options, inRange } = setup(paging);
        const key = backfillCheckpointKey("acme", from, to);
        const interrupt = new AbortController();
        const first = runBackfill({
          ...options,
          signal: interrupt.signal,
          onProgress: () => interrupt.abort(new Error("SIGINT")),
        });
        await expect(first).rejects.toThrow();
        const afterInterrupt = await store.load(key);
        expect(afterInterrupt?.done).toBeUndefined();
        expectResumePointCoversTheUnproduced(afterInterrupt?.highWaterMark);

        const resumed = runBackfill({ ...options, signal: new AbortController().signal });
        if (readsPastOnePage(paging)) {
          expect((await resumed).status).toBe("done");
          expect(new Set(idsOn(sink))).toEqual(new Set(inRange.map((log) => log.id)));
          expect((await store.load(key))?.done).toBe(true);
        } else {
          await expect(resumed).rejects.toBeInstanceOf(ParakeyPagingError);
          const saved = await store.load(key);
          expect(saved?.done).toBeUndefined();
          expectResumePointCoversTheUnproduced(saved?.highWaterMark);
        }

        /** A resumed run starts at the checkpoint: nothing below it may be missing. */
        function expectResumePointCoversTheUnproduced(resumeAt: Date | undefined) {
          const produced = new Set(idsOn(sink));
          const missing = inRange.filter((log) => !produced.has(String(log.id)));
          for (const log of missing) {
            expect(Date.parse(log.createdAt as string)).toBeGreaterThanOrEqual(
              resumeAt?.getTime() ?? from.getTime(),
            );
          }
        }
      },
    );
  },
);
