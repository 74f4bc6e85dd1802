import { AccessLog, Pseudonymiser } from "@parakey-bridge/auth";
import { testApiKeys } from "@parakey-bridge/auth/testing";
import { embeddedDatabasePerFile } from "@parakey-bridge/consumer-service/testing";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { testLog as log } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { CheckInStore } from "./check-in-store.js";
import { checkInMigrations } from "./migrations.js";
import { testDomainSettings as settings, unlockRecord } from "./testing.js";

const keys = testApiKeys({
  auditor: { roles: ["auditor"] },
  reader: { roles: ["reader"] },
  "auditor-hq": { roles: ["auditor"], domains: ["dom_hq"] },
});
type As = Parameters<typeof keys.headers>[0];

describe("check-in HTTP API", () => {
  let app: ReturnType<typeof createApp>;
  embeddedDatabasePerFile({ schema: "checkin", migrations: checkInMigrations }, async (db) => {
    const store = new CheckInStore(db, settings, "checkin");
    // Five people on 2026-11-24 in Stockholm (one of them at 23:30 UTC the evening before), one failed unlock.
    await store.writeBatch([
      unlockRecord(0, { domainId: "dom_se", userId: "usr_1", occurredAt: "2026-11-23T23:30:00.000Z" }),
      unlockRecord(1, { domainId: "dom_se", userId: "usr_2", occurredAt: "2026-11-24T08:00:00.000Z" }),
      unlockRecord(2, { domainId: "dom_se", userId: "usr_3", occurredAt: "2026-11-24T09:00:00.000Z" }),
      unlockRecord(3, { domainId: "dom_se", userId: "usr_4", occurredAt: "2026-11-24T10:00:00.000Z" }),
      unlockRecord(4, { domainId: "dom_se", userId: "usr_5", occurredAt: "2026-11-24T10:00:00.000Z" }),
      unlockRecord(5, {
        domainId: "dom_se",
        userId: "usr_6",
        success: false,
        occurredAt: "2026-11-24T11:00:00.000Z",
      }),
      unlockRecord(6, { domainId: "dom_hq", userId: "usr_1", occurredAt: "2026-11-26T08:00:00.000Z" }),
    ]);
    app = createApp({
      queries: store,
      settings,
      auth: keys.settings,
      accessLog: new AccessLog(db, new ManualClock(new Date("2026-11-27T09:00:00.000Z"))),
      pseudonyms: new Pseudonymiser(keys.settings.pseudonymKey),
      log,
    });
  });

  /** A request as one of the test principals (the auditor unless named). */
  const get = async (path: string, as: As = "auditor") => {
    const res = await app.request(path, { headers: keys.headers(as) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /**
   * Every page of dom_se's 24 November, two check-ins a page, as `as` sees them (each answered 200),
   * following `nextCursor` until it is null (at most 10 pages); and the user ids they list, in order.
   */
  const pagesOfTheDay = async (as: As) => {
    const pages: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `date=2026-11-24&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const { status, body } = await get(`/v1/domains/dom_se/check-ins?${query}`, as);
      expect(status).toBe(200);
      pages.push(body);
      cursor = body.nextCursor as string | null;
    } while (cursor !== null && pages.length < 10);
    const seen = pages.flatMap((body) => (body.checkIns as { userId: string }[]).map((c) => c.userId));
    return { pages, seen };
  };

  describe("happy", () => {
    it("pages through a domain's local day in check-in order until nextCursor is null", async () => {
      const { pages, seen } = await pagesOfTheDay("auditor");
      for (const body of pages)
        expect(body).toMatchObject({ domainId: "dom_se", date: "2026-11-24", timeZone: "Europe/Stockholm" });
      expect(seen).toEqual(["usr_1", "usr_2", "usr_3", "usr_4", "usr_5"]);
      expect(pages).toHaveLength(3);
    });

    it("reports the day's unlocks, the failed one included", async () => {
      const { body } = await get("/v1/domains/dom_se/check-ins?date=2026-11-24");
      expect(body.unlocks).toEqual({ unlocks: 6, successfulUnlocks: 5, anonymousUnlocks: 0 });
    });

    it("answers an empty day with no check-ins rather than an error", async () => {
      const { status, body } = await get("/v1/domains/dom_se/check-ins?date=2026-01-01");
      expect(status).toBe(200);
      expect(body).toMatchObject({ checkIns: [], nextCursor: null, unlocks: { unlocks: 0 } });
    });

    it("lists one person's check-ins over a range across domains, or in one domain", async () => {
      const all = await get("/v1/users/usr_1/check-ins?from=2026-11-01&to=2026-11-30");
      expect(
        (all.body.checkIns as { domainId: string; localDate: string }[]).map((c) => [
          c.domainId,
          c.localDate,
        ]),
      ).toEqual([
        ["dom_se", "2026-11-24"],
        ["dom_hq", "2026-11-26"],
      ]);
      const one = await get("/v1/users/usr_1/check-ins?from=2026-11-01&to=2026-11-30&domainId=dom_hq");
      expect((one.body.checkIns as unknown[]).length).toBe(1);
    });
  });

  describe("errors", () => {
    it.each([
      ["/v1/domains/dom_se/check-ins", "date"],
      ["/v1/domains/dom_se/check-ins?date=2026-02-30", "date"],
      ["/v1/domains/dom_se/check-ins?date=2026-11-24&limit=0", "limit"],
      ["/v1/domains/dom_se/check-ins?date=2026-11-24&cursor=bm9wZQ", "cursor"],
      ["/v1/users/usr_1/check-ins?from=2026-11-30&to=2026-11-01", "from"],
      ["/v1/users/usr_1/check-ins?from=2024-01-01&to=2026-01-01", "to"],
    ])("answers 400 invalid_request for %s, naming %s", async (path, field) => {
      const { status, body } = await get(path);
      expect(status).toBe(400);
      const error = body.error as { code: string; message: string; requestId: string };
      expect(error.code).toBe("invalid_request");
      expect(error.message).toContain(field);
      expect(error.requestId).toBeTruthy();
    });

    it("answers 404 in the one error shape for an unknown path", async () => {
      const { status, body } = await get("/v1/nothing");
      expect(status).toBe(404);
      expect(body).toMatchObject({ error: { code: "not_found" } });
    });
  });

  describe("security: credentials, personal data, tenancy", () => {
    it("answers 401 with WWW-Authenticate without credentials", async () => {
      const res = await app.request("/v1/domains/dom_se/check-ins?date=2026-11-24");
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    });

    it("pages a reader through a day with pseudonyms and sealed cursors, never a user id", async () => {
      const { pages, seen } = await pagesOfTheDay("reader");
      for (const body of pages) {
        expect(JSON.stringify(body)).not.toContain("usr_");
        const cursor = body.nextCursor as string | null;
        if (cursor) expect(Buffer.from(cursor, "base64url").toString("latin1")).not.toContain("usr_");
      }
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      expect(seen.every((id) => id.startsWith("psn_"))).toBe(true);
    });

    it("does not let a reader look up a person (403)", async () => {
      const { status, body } = await get("/v1/users/usr_1/check-ins?from=2026-11-01&to=2026-11-30", "reader");
      expect(status).toBe(403);
      expect(body).toMatchObject({ error: { code: "forbidden" } });
    });

    it("records an auditor's reads of people where an auditor can list them", async () => {
      await get("/v1/users/usr_2/check-ins?from=2026-11-01&to=2026-11-30");
      const { body } = await get("/v1/access-log?limit=1");
      expect(body.items).toEqual([
        expect.objectContaining({
          principal: { id: "auditor", kind: "api_key" },
          action: "user_check_ins",
          filters: { userId: "usr_2", from: "2026-11-01", to: "2026-11-30" },
          accessedAt: "2026-11-27T09:00:00.000Z",
        }),
      ]);
      expect((await get("/v1/access-log", "reader")).status).toBe(403);
    });

    it("shows a principal limited to one domain only that domain", async () => {
      expect((await get("/v1/domains/dom_se/check-ins?date=2026-11-24", "auditor-hq")).status).toBe(403);
      expect((await get("/v1/domains/dom_hq/check-ins?date=2026-11-26", "auditor-hq")).status).toBe(200);
      const person = await get("/v1/users/usr_1/check-ins?from=2026-11-01&to=2026-11-30", "auditor-hq");
      expect((person.body.checkIns as { domainId: string }[]).map((c) => c.domainId)).toEqual(["dom_hq"]);
      const named = "/v1/users/usr_1/check-ins?from=2026-11-01&to=2026-11-30&domainId=dom_se";
      expect((await get(named, "auditor-hq")).status).toBe(403);
    });
  });
});
