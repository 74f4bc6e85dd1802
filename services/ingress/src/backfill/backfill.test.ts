import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
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

function setup() {
  const clock = new ManualClock(new Date("2026-11-23T08:00:00Z"));
  const { sim, client } = inProcessParakey(clock);
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

describe("runBackfill", () => {
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
