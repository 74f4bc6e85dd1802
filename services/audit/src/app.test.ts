import { AccessLog, Pseudonymiser } from "@parakey-bridge/auth";
import { testApiKeys } from "@parakey-bridge/auth/testing";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { migrate, PgliteDb } from "@parakey-bridge/storage";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { ChainVerifier } from "./chain/verify.js";
import { AuditStore } from "./store/audit-store.js";
import { auditMigrations } from "./store/migrations.js";
import { doorEvent, inboundRecords } from "./test-support.js";

const log = pino({ level: "silent" });

interface Page {
  items: { eventLogId: string }[];
  nextCursor: string | null;
}
interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}
const keys = testApiKeys({
  auditor: { roles: ["auditor"] },
  reader: { roles: ["reader"] },
  "auditor-dom-1": { roles: ["auditor"], domains: ["dom_1"] },
});
type As = Parameters<typeof keys.headers>[0];
let app: ReturnType<typeof createApp>;
/** A request as one of the test principals (the auditor unless named). */
const call = (path: string, as: As = "auditor") => app.request(path, { headers: keys.headers(as) });
const page = async (path: string, as: As = "auditor") => (await (await call(path, as)).json()) as Page;

/** Opening embedded PostgreSQL (WebAssembly) takes seconds of CPU when the machine is busy. */
const EMBEDDED_DB_SETUP_MS = 60_000;

// The API over the real store in embedded PostgreSQL (PGlite, in process: no server, no network).
describe("audit HTTP API", () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await PgliteDb.open({ schema: "audit" });
    await migrate(db, auditMigrations, log);
    const store = new AuditStore(db, { group: "audit" });
    // 12 events over 4 domains and 20 devices; el_0 delivered twice (webhook, then poll).
    const events = Array.from({ length: 12 }, (_, i) => doorEvent(i));
    await store.append(inboundRecords([...events, { ...doorEvent(0), via: "poll" as const }]));
    app = createApp({
      store,
      verifier: new ChainVerifier(db),
      auth: keys.settings,
      accessLog: new AccessLog(db, new ManualClock(new Date("2026-11-24T09:00:00.000Z"))),
      pseudonyms: new Pseudonymiser(keys.settings.pseudonymKey),
      log,
    });
  }, EMBEDDED_DB_SETUP_MS);
  afterAll(() => db.close());

  describe("happy paths", () => {
    it("lists a domain's events newest first, page by page", async () => {
      const first = await page("/v1/events?domainId=dom_1&limit=2");
      expect(first.items.map((e) => e.eventLogId)).toEqual(["el_9", "el_5"]);
      const second = await page(`/v1/events?domainId=dom_1&limit=2&cursor=${first.nextCursor}`);
      expect(second).toMatchObject({ items: [{ eventLogId: "el_1" }], nextCursor: null });
    });

    it("filters by device, user and time range", async () => {
      const byDevice = await page("/v1/events?deviceId=dev_3");
      expect(byDevice.items.map((e) => e.eventLogId)).toEqual(["el_3"]);
      const byUser = await page("/v1/events?userId=usr_0");
      expect(byUser.items.map((e) => e.eventLogId)).toEqual(["el_7", "el_0"]);
      const range = await page("/v1/events?from=2026-11-23T08:00:02Z&to=2026-11-23T08:00:04Z");
      expect(range.items.map((e) => e.eventLogId)).toEqual(["el_3", "el_2"]);
    });

    it("shows one event: where it is in Kafka, how it arrived, duplicates seen", async () => {
      const res = await call("/v1/events/el_0");
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        eventLogId: "el_0",
        via: "poll",
        duplicates: 1,
        kafka: { topic: "parakey.event-logs.v1", partition: 0, offset: "0" },
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        payload: { id: "el_0", user: { id: "usr_0", email: "ada@example.com" } },
        chain: { domain: "dom_0", seq: "1" },
        personalDataErased: false,
      });
    });

    it("verifies a domain's chain", async () => {
      const res = await call("/v1/verify?domainId=dom_2");
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ domainId: "dom_2", ok: true, rows: 3 });
    });
  });

  describe("errors, in the one error shape", () => {
    it("answers 404 for an unknown event", async () => {
      const res = await call("/v1/events/el_missing");
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        error: {
          code: "not_found",
          message: "no audit record for event log el_missing",
          requestId: expect.any(String),
        },
      });
    });

    it.each([
      ["/v1/events?limit=0", "limit"],
      ["/v1/events?from=yesterday", "from"],
      ["/v1/events?cursor=garbage", "cursor"],
      ["/v1/events?color=blue", "color"],
      ["/v1/verify", "domainId"],
    ])("answers 400 for %s", async (path, word) => {
      const res = await call(path);
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe("invalid_request");
      expect(body.error.message).toContain(word);
    });

    it("answers 404 in the error shape for an unknown route", async () => {
      const res = await call("/nope");
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error.code).toBe("not_found");
    });
  });

  describe("security: credentials, personal data, tenancy", () => {
    it("answers 401 with WWW-Authenticate in the one error shape without credentials", async () => {
      for (const path of ["/v1/events", "/v1/events/el_0", "/v1/verify?domainId=dom_0", "/v1/access-log"]) {
        const res = await app.request(path);
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
        expect(((await res.json()) as ErrorBody).error.code).toBe("unauthenticated");
      }
    });

    it("shows a reader pseudonyms instead of people, the same pseudonym for the same person", async () => {
      const listed = (await page("/v1/events?deviceId=dev_0", "reader")).items as unknown as {
        userId: string;
        personalData: string;
      }[];
      expect(listed[0]?.userId).toMatch(/^psn_/);
      expect(listed[0]?.personalData).toBe("pseudonymised");
      const all = (await page("/v1/events?limit=500", "reader")).items as unknown as { userId: string }[];
      expect(all.some((e) => e.userId.startsWith("usr_"))).toBe(false);
      const res = await call("/v1/events/el_0", "reader");
      expect(res.status).toBe(200);
      const detail = (await res.json()) as { userId: string; payload: Record<string, unknown> };
      expect(detail.userId).toBe(listed[0]?.userId);
      expect(detail.payload).toMatchObject({ id: "el_0" });
      expect(JSON.stringify(detail)).not.toMatch(/ada@example\.com|usr_0/);
    });

    it("does not let a reader search by person (403)", async () => {
      const res = await call("/v1/events?userId=usr_0", "reader");
      expect(res.status).toBe(403);
      expect(((await res.json()) as ErrorBody).error.code).toBe("forbidden");
    });

    it("records an auditor's read of personal data where an auditor can list it, and no reader's read", async () => {
      await call("/v1/events/el_0", "reader");
      expect((await call("/v1/events/el_4", "auditor")).status).toBe(200);
      await call("/v1/events?userId=usr_0", "auditor");
      const log = (await (await call("/v1/access-log?principalId=auditor&limit=2")).json()) as {
        items: { principal: { id: string }; action: string; subjects: string[]; accessedAt: string }[];
      };
      expect(log.items).toEqual([
        expect.objectContaining({
          principal: { id: "auditor", kind: "api_key" },
          action: "list_events",
          filters: { userId: "usr_0" },
          subjects: ["el_7", "el_0"],
          accessedAt: "2026-11-24T09:00:00.000Z",
          requestId: expect.any(String),
        }),
        expect.objectContaining({ action: "get_event", subjects: ["el_4"] }),
      ]);
      const readers = (await (await call("/v1/access-log?principalId=reader")).json()) as {
        items: unknown[];
      };
      expect(readers.items).toEqual([]);
    });

    it("keeps the access record from readers and from auditors limited to some domains (403)", async () => {
      expect((await call("/v1/access-log", "reader")).status).toBe(403);
      expect((await call("/v1/access-log", "auditor-dom-1")).status).toBe(403);
    });

    it("lets a principal limited to one domain list, read and verify only that domain", async () => {
      const own = await page("/v1/events?limit=500", "auditor-dom-1");
      expect(own.items.map((e) => e.eventLogId)).toEqual(["el_9", "el_5", "el_1"]);
      expect((await call("/v1/events?domainId=dom_2", "auditor-dom-1")).status).toBe(403);
      expect((await call("/v1/verify?domainId=dom_1", "auditor-dom-1")).status).toBe(200);
      expect((await call("/v1/verify?domainId=dom_2", "auditor-dom-1")).status).toBe(403);
      expect((await call("/v1/verify?domainId=", "auditor-dom-1")).status).toBe(403);
    });

    it("answers another tenant's event exactly like one that does not exist", async () => {
      const other = await call("/v1/events/el_2", "auditor-dom-1");
      const missing = await call("/v1/events/el_missing", "auditor-dom-1");
      expect(other.status).toBe(404);
      const { error } = (await other.json()) as ErrorBody;
      expect(error).toEqual({
        code: "not_found",
        message: "no audit record for event log el_2",
        requestId: expect.any(String),
      });
      expect(((await missing.json()) as ErrorBody).error.message).toBe(
        "no audit record for event log el_missing",
      );
    });
  });
});
