import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSimulator, type InProcessSimulator } from "../simulator.js";

const TOKEN = "tok_test";
const auth = { "access-token": TOKEN };
let clock: ManualClock;
let sim: InProcessSimulator;

beforeEach(() => {
  clock = new ManualClock(new Date("2026-11-23T08:00:00.000Z"));
  sim = createSimulator({ token: TOKEN, seed: 3, clock, offlineFraction: 0 });
});
afterEach(() => sim.close());

const get = async (path: string, headers: Record<string, string> = {}): Promise<Response> =>
  sim.app.request(path, { headers: { ...auth, ...headers } });
const idsOf = async (res: Response) => ((await res.json()) as { id: string }[]).map((log) => log.id);
const at = (minute: number) => `2026-11-23T08:${String(minute).padStart(2, "0")}:00.000Z`;

/** Event logs with createdAt at the given minutes, added in this order. */
function addAtMinutes(...minutes: number[]) {
  sim.api.addEvents(
    minutes.map((minute, i) => ({
      id: `el_${i + 1}`,
      timestamp: at(minute),
      createdAt: at(minute),
      device: { id: "dev_1" },
    })),
  );
}

describe("GET /eventLogs — security", () => {
  it("answers 401 without the access-token header, or with a wrong one", async () => {
    expect((await sim.app.request("/eventLogs")).status).toBe(401);
    expect((await sim.app.request("/eventLogs", { headers: { "access-token": "nope" } })).status).toBe(401);
    expect((await sim.app.request("/eventLogs/el_1")).status).toBe(401);
  });

  it("does not accept the token in another header", async () => {
    const res = await sim.app.request("/eventLogs", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(401);
  });
});

describe("GET /eventLogs — ETag", () => {
  it("answers 304 with the same ETag when the result has not changed", async () => {
    addAtMinutes(1, 2);
    const first = await get("/eventLogs?limit=1");
    const etag = first.headers.get("etag");
    expect(first.status).toBe(200);
    expect(etag).toBeTruthy();
    const again = await get("/eventLogs?limit=1", { "if-none-match": etag ?? "" });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
  });

  it("changes the ETag of ?limit=1 as soon as a new event log arrives", async () => {
    addAtMinutes(1);
    const etag = (await get("/eventLogs?limit=1")).headers.get("etag") ?? "";
    sim.api.addEvents([{ id: "el_new", timestamp: at(5), createdAt: at(5), device: { id: "dev_1" } }]);
    const res = await get("/eventLogs?limit=1", { "if-none-match": etag });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).not.toBe(etag);
    expect(await idsOf(res)).toEqual(["el_new"]);
  });

  it("gives each query its own ETag (a page's ETag does not answer another page)", async () => {
    addAtMinutes(1, 2, 3);
    const page1 = (await get("/eventLogs?limit=1")).headers.get("etag") ?? "";
    const page2 = await get("/eventLogs?limit=2", { "if-none-match": page1 });
    expect(page2.status).toBe(200);
  });

  it("serves GET /eventLogs/:id with an ETag and 304, and 404 for an unknown id", async () => {
    addAtMinutes(1);
    const one = await get("/eventLogs/el_1");
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: "el_1" });
    const etag = one.headers.get("etag") ?? "";
    expect((await get("/eventLogs/el_1", { "if-none-match": etag })).status).toBe(304);
    const missing = await get("/eventLogs/el_nope");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "not_found" } });
  });
});

describe("GET /eventLogs — query", () => {
  it("returns a bare JSON array, newest createdAt first by default", async () => {
    addAtMinutes(1, 3, 2);
    const res = await get("/eventLogs");
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await idsOf(res)).toEqual(["el_2", "el_3", "el_1"]);
  });

  it("ignores orderBy=createdAt:ASC and offset by default, as only DESC and startDate are documented", async () => {
    addAtMinutes(1, 3, 2);
    expect(await idsOf(await get("/eventLogs?orderBy=createdAt:ASC"))).toEqual(["el_2", "el_3", "el_1"]);
    expect(await idsOf(await get("/eventLogs?limit=1&offset=1"))).toEqual(["el_2"]);
  });

  it("orders by createdAt ascending or descending as asked once ASC is switched on", async () => {
    sim.api.setPaging({ ascending: "honoured" });
    addAtMinutes(1, 3, 2);
    expect(await idsOf(await get("/eventLogs?orderBy=createdAt:ASC"))).toEqual(["el_1", "el_3", "el_2"]);
    expect(await idsOf(await get("/eventLogs?orderBy=createdAt:DESC"))).toEqual(["el_2", "el_3", "el_1"]);
  });

  it("filters on createdAt >= startDate, not on the unlock timestamp", async () => {
    sim.api.addEvents([
      // Unlocked two days ago, uploaded at 08:05: polling must still find it.
      { id: "el_late", timestamp: "2026-11-21T08:00:00.000Z", createdAt: at(5), device: { id: "dev_1" } },
      { id: "el_old", timestamp: at(1), createdAt: at(1), device: { id: "dev_1" } },
    ]);
    expect(await idsOf(await get(`/eventLogs?startDate=${at(5)}`))).toEqual(["el_late"]);
    expect(await idsOf(await get(`/eventLogs?startDate=${encodeURIComponent(at(1))}`))).toEqual([
      "el_late",
      "el_old",
    ]);
  });

  it("pages with limit and offset until a short page once offset and ASC are switched on", async () => {
    sim.api.setPaging({ ascending: "honoured", offset: "honoured" });
    addAtMinutes(1, 2, 3, 4, 5);
    const page = (offset: number) =>
      get(`/eventLogs?orderBy=createdAt:ASC&limit=2&offset=${offset}`).then(idsOf);
    expect([await page(0), await page(2), await page(4), await page(6)]).toEqual([
      ["el_1", "el_2"],
      ["el_3", "el_4"],
      ["el_5"],
      [],
    ]);
  });

  it("returns at most the cap whatever limit asks, and no more than the cap without a limit", async () => {
    sim.api.setPaging({ limitCap: 2 });
    addAtMinutes(1, 2, 3, 4, 5);
    expect(await idsOf(await get("/eventLogs?limit=4"))).toEqual(["el_5", "el_4"]);
    expect(await idsOf(await get("/eventLogs"))).toEqual(["el_5", "el_4"]);
    expect(await idsOf(await get("/eventLogs?limit=1"))).toEqual(["el_5"]);
  });

  it("treats startDate as exclusive when switched so", async () => {
    sim.api.setPaging({ startDate: "exclusive" });
    addAtMinutes(1, 2, 3);
    expect(await idsOf(await get(`/eventLogs?startDate=${encodeURIComponent(at(2))}`))).toEqual(["el_3"]);
  });

  it("returns event logs sharing one createdAt in a new order on each request when ties are unstable", async () => {
    sim.api.setPaging({ ties: "unstable" });
    addAtMinutes(...Array.from({ length: 8 }, () => 4), 5);
    const orders = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const ids = await idsOf(await get("/eventLogs"));
      expect(ids[0]).toBe("el_9");
      expect(new Set(ids).size).toBe(9);
      orders.add(ids.join());
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it("switches paging behaviour through PUT /_sim/paging, a switch left out going back to the documented one", async () => {
    const put = await sim.app.request("/_sim/paging", {
      method: "PUT",
      body: JSON.stringify({ ascending: "honoured", limitCap: 3 }),
    });
    expect(await put.json()).toEqual({
      ascending: "honoured",
      offset: "ignored",
      limitCap: 3,
      ties: "stable",
      startDate: "inclusive",
    });
    expect(
      ((await (await sim.app.request("/_sim/stats")).json()) as { paging: unknown }).paging,
    ).toMatchObject({ limitCap: 3 });
    const bad = await sim.app.request("/_sim/paging", {
      method: "PUT",
      body: JSON.stringify({ offset: "maybe" }),
    });
    expect(bad.status).toBe(400);
  });

  it("answers 400 naming the problem for a malformed query", async () => {
    const res = await get("/eventLogs?limit=0");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: "invalid_query", message: expect.stringContaining("limit") },
    });
    expect((await get("/eventLogs?startDate=yesterday")).status).toBe(400);
    expect((await get("/eventLogs?orderBy=id:ASC")).status).toBe(400);
  });

  it("serves event logs verbatim, unknown and malformed fields included", async () => {
    sim.api.addEvents([{ id: "el_odd", success: "yes", futureField: { a: 1 } }]);
    expect(await (await get("/eventLogs")).json()).toEqual([
      { id: "el_odd", success: "yes", futureField: { a: 1 } },
    ]);
  });
});

describe("injected faults", () => {
  it("answers the next N requests 429 with Retry-After in seconds, then normally", async () => {
    sim.api.faults.inject({ kind: "rate_limit", count: 2, retryAfterSeconds: 7 });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const res = await get("/eventLogs");
      statuses.push([res.status, res.headers.get("retry-after")]);
    }
    expect(statuses).toEqual([
      [429, "7"],
      [429, "7"],
      [200, null],
    ]);
  });

  it("can send Retry-After as an HTTP date on Parakey's clock", async () => {
    sim.api.faults.inject({ kind: "rate_limit", retryAfterSeconds: 30, retryAfterAs: "http-date" });
    expect((await get("/eventLogs")).headers.get("retry-after")).toBe("Mon, 23 Nov 2026 08:00:30 GMT");
  });

  it("answers a 5xx of the chosen status", async () => {
    sim.api.faults.inject({ kind: "server_error", status: 502 });
    expect((await get("/eventLogs")).status).toBe(502);
    expect((await get("/eventLogs")).status).toBe(200);
  });

  it("answers slowly by the chosen delay", async () => {
    vi.useFakeTimers();
    try {
      sim.api.faults.inject({ kind: "slow", delayMs: 5_000 });
      let answered = false;
      const pending = get("/eventLogs").then((res) => {
        answered = true;
        return res;
      });
      await vi.advanceTimersByTimeAsync(4_999);
      expect(answered).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect((await pending).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it("answers faults before checking the token, like a gateway in front of Parakey", async () => {
    sim.api.faults.inject({ kind: "server_error", status: 503 });
    expect((await sim.app.request("/eventLogs")).status).toBe(503);
    expect((await sim.app.request("/eventLogs")).status).toBe(401);
  });

  it("are injected and cleared through the control API too", async () => {
    const posted = await sim.app.request("/_sim/faults", {
      method: "POST",
      body: JSON.stringify({ kind: "server_error", count: 3, status: 500 }),
    });
    expect(posted.status).toBe(201);
    expect(await posted.json()).toEqual({ pending: 3 });
    expect((await get("/eventLogs")).status).toBe(500);
    expect((await sim.app.request("/_sim/faults", { method: "DELETE" })).status).toBe(204);
    expect((await get("/eventLogs")).status).toBe(200);
  });

  it("refuses a malformed fault with 400", async () => {
    const res = await sim.app.request("/_sim/faults", {
      method: "POST",
      body: JSON.stringify({ kind: "fire" }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
  });
});

describe("control API", () => {
  it("counts every API request by route and status, and not its own requests", async () => {
    addAtMinutes(1);
    await get("/eventLogs?limit=1");
    await get("/eventLogs/el_1");
    await sim.app.request("/eventLogs");
    const stats = (await (await sim.app.request("/_sim/stats")).json()) as ReturnType<typeof sim.api.stats>;
    expect(stats.api.total).toBe(3);
    expect(stats.api.byRoute).toEqual({ "GET /eventLogs": 2, "GET /eventLogs/:id": 1 });
    expect(stats.api.byStatus).toEqual({ "200": 2, "401": 1 });
    expect(stats.api.recent[0]).toMatchObject({ path: "/eventLogs", query: "?limit=1", status: 200 });
    expect(JSON.stringify(stats)).not.toContain(TOKEN);
    expect((await sim.app.request("/_sim/stats", { method: "DELETE" })).status).toBe(204);
    expect(sim.api.stats().api.total).toBe(0);
  });

  it("adds event logs verbatim, generated unlocks, or an offline backlog", async () => {
    const add = (body: unknown) =>
      sim.app.request("/_sim/events", { method: "POST", body: JSON.stringify(body) });
    expect((await add({ events: [{ id: "el_x", device: { id: "dev_1" } }] })).status).toBe(201);
    const generated = (await (await add({ generate: 5 })).json()) as { added: string[] };
    expect(generated.added).toHaveLength(5);
    const backlog = (await (await add({ backlog: { lockId: "dev_1", count: 4 } })).json()) as {
      added: string[];
    };
    expect(backlog.added).toHaveLength(4);
    expect(sim.api.eventLogs()).toHaveLength(10);
    expect((await (await sim.app.request("/_sim/events")).json()) as unknown[]).toHaveLength(10);
  });

  it("refuses a duplicate event log id with 409", async () => {
    const add = () =>
      sim.app.request("/_sim/events", {
        method: "POST",
        body: JSON.stringify({ events: [{ id: "el_dup" }] }),
      });
    expect((await add()).status).toBe(201);
    const again = await add();
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: "duplicate_event_log" } });
  });

  it("shows the world and configures webhooks", async () => {
    const world = (await (await sim.app.request("/_sim/world")).json()) as { locks: unknown[] };
    expect(world.locks).toHaveLength(6);
    const res = await sim.app.request("/_sim/webhooks", {
      method: "POST",
      body: JSON.stringify({ url: "http://127.0.0.1:9/hook", headers: { authorization: "Basic x" } }),
    });
    expect(await res.json()).toEqual({ id: "wh_1" });
    expect(sim.webhooks.get("wh_1")?.settings.headers).toEqual({ authorization: "Basic x" });
  });
});
