import {
  createParakeyClient,
  type EventLogPage,
  type ParakeyClientOptions,
  type WindowPage,
} from "@parakey-bridge/parakey-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./simulator.js";

// The parakey-client proven against the simulator over real loopback HTTP. These tests live here,
// not in the client's package, because the simulator depends on the client (for the shared paging
// assumption) and turbo forbids a dependency cycle.

const TOKEN = "tok_integration";
let sim: Simulator;

beforeEach(async () => {
  sim = await startSimulator({ port: 0, token: TOKEN, seed: 11, offlineFraction: 0.3 });
});
afterEach(async () => {
  await sim.close();
});

const clientFor = (overrides: Partial<ParakeyClientOptions> = {}) =>
  createParakeyClient({
    baseUrl: sim.url,
    token: TOKEN,
    timeoutMs: 2_000,
    backoff: { baseMs: 20, maxMs: 100 },
    ...overrides,
  });

const okPage = (page: Awaited<ReturnType<ReturnType<typeof clientFor>["listEventLogs"]>>): EventLogPage => {
  if (page.status !== "ok") throw new Error(`expected a page, got ${page.status}`);
  return page;
};

describe("parakey-client against the simulator", () => {
  it("makes exactly one request and gets not_modified with the ETag when nothing changed", async () => {
    sim.api.generate(20);
    const client = clientFor();
    const first = okPage(await client.listEventLogs({ limit: 1 }));
    expect(first.etag).toBeTruthy();
    sim.api.resetStats();

    const unchanged = await client.listEventLogs({ limit: 1 }, { ifNoneMatch: first.etag ?? "" });
    expect(unchanged).toEqual({ status: "not_modified", etag: first.etag });
    expect(sim.api.stats().api).toMatchObject({ total: 1, byStatus: { "304": 1 } });
  });

  it("gets the new newest event log and a new ETag once something arrives", async () => {
    sim.api.generate(20);
    const client = clientFor();
    const first = okPage(await client.listEventLogs({ limit: 1 }));
    sim.api.addEvents([
      {
        id: "el_newest",
        timestamp: new Date().toISOString(),
        createdAt: new Date(Date.now() + 60_000).toISOString(),
        device: { id: "dev_1" },
      },
    ]);
    const changed = okPage(await client.listEventLogs({ limit: 1 }, { ifNoneMatch: first.etag ?? "" }));
    expect(changed.etag).not.toBe(first.etag);
    expect(changed.items.map((item) => (item.ok ? item.event.eventLogId : undefined))).toEqual(["el_newest"]);
  });

  /** Event logs a day old: an account with history before the window read. */
  const addHistory = (count: number) =>
    sim.api.addEvents(
      Array.from({ length: count }, (_, i) => {
        const at = new Date(Date.now() - 86_400_000 + i * 1_000).toISOString();
        return { id: `el_history_${i}`, timestamp: at, createdAt: at, device: { id: "dev_1" } };
      }),
    );

  it("reads every event log of a window page by page, oldest first with startDate as the cursor, when the server honours ASC", async () => {
    sim.api.setPaging({ ascending: "honoured" });
    addHistory(10);
    const since = new Date(Date.now() - 1000);
    sim.api.generate(40);
    sim.api.uploadBacklog({ count: 15 });
    sim.api.addEvents([{ id: "el_malformed", createdAt: new Date().toISOString() }]);
    const expected = sim.api
      .eventLogs()
      .filter((log) => Date.parse(String(log.createdAt)) >= since.getTime());

    const pages: WindowPage[] = [];
    for await (const page of clientFor().readWindow(since, { pageSize: 10 })) pages.push(page);

    const items = pages.flatMap((page) => page.items);
    const ids = items.map((item) => (item.ok ? item.event.eventLogId : (item.raw as { id: string }).id));
    expect(new Set(ids)).toEqual(new Set(expected.map((log) => String(log.id))));
    expect(ids).toHaveLength(expected.length);
    // (Oldest first when the window spans more than one createdAt; a burst stamped in one millisecond
    // looks the same both ways and is read newest first with a larger limit.)
    expect(pages.at(-1)).toMatchObject({ complete: true });
    // The one bad item is a rejection value; every other item of its page made it.
    expect(items.filter((item) => !item.ok)).toEqual([
      expect.objectContaining({ rejection: expect.objectContaining({ reason: "missing_device_id" }) }),
    ]);
  });

  it("stops with a paging violation when a window holds more than a page and the server honours only the documented parameters with limit capped", async () => {
    sim.api.setPaging({ limitCap: 10 });
    addHistory(10);
    const since = new Date(Date.now() - 1000);
    sim.api.addEvents(
      Array.from({ length: 25 }, (_, i) => {
        const at = new Date(since.getTime() + 1 + i).toISOString();
        return { id: `el_window_${i}`, timestamp: at, createdAt: at, device: { id: "dev_1" } };
      }),
    );
    const pages: WindowPage[] = [];
    const read = async () => {
      for await (const page of clientFor().readWindow(since, { pageSize: 10 })) pages.push(page);
    };
    await expect(read()).rejects.toMatchObject({ code: "parakey_paging_violation", reason: "repeated_page" });
    expect(pages.every((page) => !page.complete && page.completeBelow === undefined)).toBe(true);
  });

  it("honours 429 Retry-After: waits the asked seconds, then succeeds", async () => {
    sim.api.faults.inject({ kind: "rate_limit", retryAfterSeconds: 1 });
    const waits: number[] = [];
    const started = performance.now();
    const page = okPage(
      await clientFor({ onRetry: (retry) => waits.push(retry.delayMs) }).listEventLogs({ limit: 1 }),
    );
    const elapsed = performance.now() - started;
    expect(waits).toEqual([1000]);
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(page.attempts).toBe(2);
    expect(sim.api.stats().api.byStatus).toEqual({ "429": 1, "200": 1 });
  });

  it("retries 5xx with backoff and succeeds once Parakey recovers", async () => {
    sim.api.faults.inject({ kind: "server_error", status: 503, count: 2 });
    const page = okPage(await clientFor().listEventLogs({ limit: 5 }));
    expect(page.attempts).toBe(3);
    expect(sim.api.stats().api.byStatus).toEqual({ "503": 2, "200": 1 });
  });

  it("gives up on persistent 5xx with a retryable error", async () => {
    sim.api.faults.inject({ kind: "server_error", status: 500, count: 10 });
    const error = await clientFor({ maxAttempts: 3 })
      .listEventLogs()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "parakey_server_error",
      retryable: true,
      attempts: 3,
      upstreamStatus: 500,
    });
    expect(sim.api.stats().api.total).toBe(3);
  });

  it("times out a slow answer and retries it", async () => {
    sim.api.faults.inject({ kind: "slow", delayMs: 3_000 });
    const started = performance.now();
    const page = okPage(await clientFor({ timeoutMs: 300 }).listEventLogs({ limit: 1 }));
    expect(page.attempts).toBe(2);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("gives up with a retryable timeout error when every attempt is too slow", async () => {
    sim.api.faults.inject({ kind: "slow", delayMs: 3_000, count: 2 });
    const error = await clientFor({ timeoutMs: 200, maxAttempts: 2 })
      .listEventLogs()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "parakey_timeout", retryable: true, attempts: 2 });
  });

  it("does not retry a refused token", async () => {
    const error = await clientFor({ token: "wrong" })
      .listEventLogs()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "parakey_unauthorized", retryable: false, attempts: 1 });
    expect(sim.api.stats().api.total).toBe(1);
  });

  it("fetches one event log by id with its ETag, then 304", async () => {
    const [log] = sim.api.generate(30);
    const id = String(log?.id);
    const client = clientFor();
    const found = await client.getEventLog(id);
    expect(found).toMatchObject({ status: "ok", item: { ok: true, event: { eventLogId: id } } });
    const etag = found.status === "ok" ? (found.etag ?? "") : "";
    expect(await client.getEventLog(id, { ifNoneMatch: etag })).toEqual({ status: "not_modified", etag });
    expect(await client.getEventLog("el_unknown")).toEqual({ status: "not_found", id: "el_unknown" });
  });
});
