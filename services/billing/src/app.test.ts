import { testApiKeys } from "@parakey-bridge/auth/testing";
import { embeddedDatabasePerFile } from "@parakey-bridge/consumer-service/testing";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { testLog as log } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { billingMigrations } from "./migrations.js";
import { unlockRecord } from "./testing.js";
import { UsageStore } from "./usage-store.js";

const zones = (domainId: string) => (domainId === "dom_ny" ? "America/New_York" : "UTC");
const keys = testApiKeys({
  operator: { roles: ["operator"] },
  reader: { roles: ["reader"] },
  "reader-a": { roles: ["reader"], domains: ["dom_a"] },
  "operator-a": { roles: ["operator"], domains: ["dom_a"] },
});

describe("billing HTTP API", () => {
  let store: UsageStore;
  const clock = new ManualClock(new Date("2026-02-01T02:00:00.000Z"));
  let app: ReturnType<typeof createApp>;
  embeddedDatabasePerFile({ schema: "billing", migrations: billingMigrations }, async (db) => {
    store = new UsageStore(db, zones, "billing");
    await store.writeBatch([
      unlockRecord(0, { domainId: "dom_a" }),
      unlockRecord(1, { domainId: "dom_a", userId: "usr_2" }),
      unlockRecord(2, { domainId: "dom_ny" }),
    ]);
    app = createApp({
      queries: store,
      clock,
      timeZones: ["UTC", "America/New_York"],
      auth: keys.settings,
      log,
    });
  });

  /** A request as one of the test principals (the operator unless named). */
  const call = (path: string, init: { method?: string; as?: Parameters<typeof keys.headers>[0] } = {}) =>
    app.request(path, { method: init.method ?? "GET", headers: keys.headers(init.as ?? "operator") });

  describe("happy", () => {
    it("answers a domain's usage of a month as JSON", async () => {
      const res = await call("/v1/domains/dom_a/usage/2026-01");
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        domainId: "dom_a",
        period: "2026-01",
        status: "open",
        usage: { successfulUnlocks: 2, activeUsers: 2, activeDevices: 1 },
      });
    });

    it("exports every domain's usage of a month as a CSV download", async () => {
      const res = await call("/v1/periods/2026-01/usage.csv");
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
      const early = await call("/v1/periods/2026-01/close", { method: "POST" });
      expect(early.status).toBe(409);
      expect(await early.json()).toMatchObject({ error: { code: "period_not_over" } });

      clock.set(new Date("2026-02-01T06:00:00.000Z"));
      const closed = await call("/v1/periods/2026-01/close", { method: "POST" });
      expect(closed.status).toBe(200);
      expect(await closed.json()).toEqual({
        period: "2026-01",
        closedAt: "2026-02-01T06:00:00.000Z",
        alreadyClosed: false,
        domains: 2,
      });
      const again = await call("/v1/periods/2026-01/close", { method: "POST" });
      expect(await again.json()).toMatchObject({ alreadyClosed: true, closedAt: "2026-02-01T06:00:00.000Z" });
      const csv = await (await call("/v1/periods/2026-01/usage.csv")).text();
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
      const res = await call(path, { method });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; requestId: string } };
      expect(body.error.code).toBe("invalid_request");
      expect(body.error.requestId).toBeTruthy();
    });

    it("answers 404 for an unknown path and for closing with GET", async () => {
      expect((await call("/v1/periods/2026-01/close")).status).toBe(404);
      expect((await call("/v1/usage")).status).toBe(404);
    });
  });

  describe("security", () => {
    it("answers 401 with WWW-Authenticate to a request without credentials", async () => {
      const res = await app.request("/v1/domains/dom_a/usage/2026-01");
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
    });

    it("does not let a reader close an ended period (403), and the period stays open", async () => {
      const res = await call("/v1/periods/2025-12/close", { method: "POST", as: "reader" });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: "forbidden" } });
      expect(await (await call("/v1/domains/dom_a/usage/2025-12", { as: "reader" })).json()).toMatchObject({
        status: "open",
      });
    });

    it("does not let an operator limited to one domain close a period for every customer (403)", async () => {
      const res = await call("/v1/periods/2025-12/close", { method: "POST", as: "operator-a" });
      expect(res.status).toBe(403);
    });

    it("shows a principal limited to one domain only that domain's usage", async () => {
      expect((await call("/v1/domains/dom_a/usage/2026-01", { as: "reader-a" })).status).toBe(200);
      const other = await call("/v1/domains/dom_ny/usage/2026-01", { as: "reader-a" });
      expect(other.status).toBe(403);
      expect(JSON.stringify(await other.json())).not.toContain("successfulUnlocks");
      const csv = await (await call("/v1/periods/2026-01/usage.csv", { as: "reader-a" })).text();
      expect(csv).toContain(",dom_a,");
      expect(csv).not.toContain("dom_ny");
    });
  });
});
