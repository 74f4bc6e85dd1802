import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { migrate, PgliteDb } from "@parakey-bridge/storage";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { billingMigrations } from "./migrations.js";
import { unlockRecord } from "./testing.js";
import { UsageStore } from "./usage-store.js";

const log = pino({ level: "silent" });
const zones = (domainId: string) => (domainId === "dom_ny" ? "America/New_York" : "UTC");

/** Opening embedded PostgreSQL (WebAssembly) takes seconds of CPU when the machine is busy. */
const EMBEDDED_DB_SETUP_MS = 60_000;

describe("billing HTTP API", () => {
  let db: PgliteDb;
  let store: UsageStore;
  const clock = new ManualClock(new Date("2026-02-01T02:00:00.000Z"));
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    db = await PgliteDb.open({ schema: "billing" });
    await migrate(db, billingMigrations, log);
    store = new UsageStore(db, zones, "billing");
    await store.writeBatch([
      unlockRecord(0, { domainId: "dom_a" }),
      unlockRecord(1, { domainId: "dom_a", userId: "usr_2" }),
      unlockRecord(2, { domainId: "dom_ny" }),
    ]);
    app = createApp({ queries: store, clock, timeZones: ["UTC", "America/New_York"], log });
  }, EMBEDDED_DB_SETUP_MS);
  afterAll(() => db.close());

  describe("happy", () => {
    it("answers a domain's usage of a month as JSON", async () => {
      const res = await app.request("/v1/domains/dom_a/usage/2026-01");
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        domainId: "dom_a",
        period: "2026-01",
        status: "open",
        usage: { successfulUnlocks: 2, activeUsers: 2, activeDevices: 1 },
      });
    });

    it("exports every domain's usage of a month as a CSV download", async () => {
      const res = await app.request("/v1/periods/2026-01/usage.csv");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.headers.get("content-disposition")).toBe('attachment; filename="usage-2026-01.csv"');
      const rows = (await res.text()).trim().split("\r\n");
      expect(rows.slice(1)).toEqual([
        "2026-01,dom_a,UTC,usage,2,2,1,,,",
        "2026-01,dom_ny,America/New_York,usage,1,1,1,,,",
      ]);
    });

    it("refuses to close a month still running in one billed zone, then closes it once it is over everywhere", async () => {
      const early = await app.request("/v1/periods/2026-01/close", { method: "POST" });
      expect(early.status).toBe(409);
      expect(await early.json()).toMatchObject({ error: { code: "period_not_over" } });

      clock.set(new Date("2026-02-01T06:00:00.000Z"));
      const closed = await app.request("/v1/periods/2026-01/close", { method: "POST" });
      expect(closed.status).toBe(200);
      expect(await closed.json()).toEqual({
        period: "2026-01",
        closedAt: "2026-02-01T06:00:00.000Z",
        alreadyClosed: false,
        domains: 2,
      });
      const again = await app.request("/v1/periods/2026-01/close", { method: "POST" });
      expect(await again.json()).toMatchObject({ alreadyClosed: true, closedAt: "2026-02-01T06:00:00.000Z" });
      const csv = await (await app.request("/v1/periods/2026-01/usage.csv")).text();
      expect(csv).toContain("2026-01,dom_a,UTC,issued,2,2,1,,,");
    });
  });

  describe("errors", () => {
    it.each([
      ["GET", "/v1/domains/dom_a/usage/2026-13"],
      ["GET", "/v1/domains/dom_a/usage/january"],
      ["GET", "/v1/periods/2026-1/usage.csv"],
      ["POST", "/v1/periods/26-01/close"],
    ])("answers 400 invalid_request for %s %s", async (method, path) => {
      const res = await app.request(path, { method });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; requestId: string } };
      expect(body.error.code).toBe("invalid_request");
      expect(body.error.requestId).toBeTruthy();
    });

    it("answers 404 for an unknown path and for closing with GET", async () => {
      expect((await app.request("/v1/periods/2026-01/close")).status).toBe(404);
      expect((await app.request("/v1/usage")).status).toBe(404);
    });
  });
});
