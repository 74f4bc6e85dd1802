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
import { PAGES_IN_FLIGHT } from "../poller/read-and-publish.js";
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

  it("hands the producer several pages while Kafka acknowledges the first, at most PAGES_IN_FLIGHT, in order and once", async () => {
    const { sim, sink, options, inRange } = setup();
    const pageSize = 3; // 24 event logs in range: 8 pages
    sink.hold();
    const run = runBackfill({ ...options, pageSize, signal: new AbortController().signal });
    const pagesAsked = () =>
      sim.api.stats().api.recent.filter((r) => r.query.includes("createdAt%3AASC")).length;
    // Nothing is acknowledged, yet pages after the first are read and handed over, and one more is
    // read ahead; then reading stops: the producer holds at most PAGES_IN_FLIGHT pages.
    await waitUntil(
      "the backfill read one page past PAGES_IN_FLIGHT",
      () => pagesAsked() >= PAGES_IN_FLIGHT + 1,
      {
        timeoutMs: 10_000,
        intervalMs: 1,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pagesAsked()).toBe(PAGES_IN_FLIGHT + 1);
    // Each page after the first starts at its predecessor's last createdAt (a tie is read again, and
    // the repeated event is not sent twice): pageSize sends, then pageSize - 1 per page.
    expect(sink.sends).toBe(pageSize + (PAGES_IN_FLIGHT - 1) * (pageSize - 1));
    expect(sink.records).toHaveLength(0);
    sink.release();
    expect((await run).status).toBe("done");
    expect(idsOn(sink)).toEqual(inRange.map((log) => log.id));
  });

  it("checkpoints only what Kafka acknowledged, in page order, when a later page's records fail", async () => {
    const { sink, store, options, inRange } = setup();
    const key = backfillCheckpointKey("acme", from, to);
    const pageSize = 3;
    const failed = new Set(inRange.slice(3 * pageSize, 4 * pageSize).map((log) => String(log.id)));
    sink.failWhen((record) => failed.has(String(record.headers?.ce_id)));
    await expect(
      runBackfill({ ...options, pageSize, signal: new AbortController().signal }),
    ).rejects.toThrow();
    const saved = await store.load(key);
    expect(saved?.done).toBeUndefined();
    // Pages 1–3 were stored; page 4 was not, so the resume point is at or before its first event.
    const firstUnstored = Date.parse(inRange[3 * pageSize]?.createdAt as string);
    expect(saved?.highWaterMark?.getTime() ?? from.getTime()).toBeLessThanOrEqual(firstUnstored);
    const stored = new Set(idsOn(sink));
    for (const id of failed) expect(stored.has(id)).toBe(false);

    sink.failWhen(undefined);
    expect((await runBackfill({ ...options, pageSize, signal: new AbortController().signal })).status).toBe(
      "done",
    );
    expect(new Set(idsOn(sink))).toEqual(new Set(inRange.map((log) => log.id)));
  });

  it("stops when a checkpoint write fails mid-read, marks nothing done, and a rerun produces every event", async () => {
    const { sink, store, options, inRange } = setup();
    const key = backfillCheckpointKey("acme", from, to);
    const save = store.save.bind(store);
    let saves = 0;
    store.save = async (saveKey, checkpoint) => {
      saves += 1;
      if (saves === 2) throw new Error("the poller-state topic did not acknowledge the checkpoint");
      await save(saveKey, checkpoint);
    };
    await expect(
      runBackfill({ ...options, pageSize: 3, signal: new AbortController().signal }),
    ).rejects.toThrow(/did not acknowledge/);
    expect((await store.load(key))?.done).toBeUndefined();

    store.save = save;
    expect(
      (await runBackfill({ ...options, pageSize: 3, signal: new AbortController().signal })).status,
    ).toBe("done");
    expect(new Set(idsOn(sink))).toEqual(new Set(inRange.map((log) => log.id)));
    expect((await store.load(key))?.done).toBe(true);
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
