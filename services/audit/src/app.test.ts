import { ROOT_CONTEXT } from "@opentelemetry/api";
import type { DoorEvent } from "@parakey-bridge/contracts";
import type { InboundRecord } from "@parakey-bridge/kafka";
import { migrate, PgliteDb } from "@parakey-bridge/storage";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { ChainVerifier } from "./chain/verify.js";
import { AuditStore } from "./store/audit-store.js";
import { auditMigrations } from "./store/migrations.js";
import { doorEvent } from "./test-support.js";

const log = pino({ level: "silent" });

interface Page {
  items: { eventLogId: string }[];
  nextCursor: string | null;
}
interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}
let app: ReturnType<typeof createApp>;
const page = async (path: string) => (await (await app.request(path)).json()) as Page;

const inbound = (value: DoorEvent, offset: number): InboundRecord<DoorEvent> => ({
  topic: "parakey.event-logs.v1",
  partition: 0,
  offset: String(offset),
  key: value.deviceId,
  value,
  headers: {},
  timestamp: "0",
  traceContext: ROOT_CONTEXT,
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
});

// The API over the real store in embedded PostgreSQL (PGlite, in process: no server, no network).
describe("audit HTTP API", () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await PgliteDb.open({ schema: "audit" });
    await migrate(db, auditMigrations, log);
    const store = new AuditStore(db, { group: "audit" });
    // 12 events over 4 domains and 20 devices; el_0 delivered twice (webhook, then poll).
    const events = Array.from({ length: 12 }, (_, i) => doorEvent(i));
    await store.append([...events, { ...doorEvent(0), via: "poll" as const }].map(inbound));
    app = createApp({ store, verifier: new ChainVerifier(db), log });
  });
  afterAll(() => db.close());

  describe("happy paths", () => {
    it("lists a domain's events newest first, page by page", async () => {
      const first = await page("/audit/events?domainId=dom_1&limit=2");
      expect(first.items.map((e) => e.eventLogId)).toEqual(["el_9", "el_5"]);
      const second = await page(`/audit/events?domainId=dom_1&limit=2&cursor=${first.nextCursor}`);
      expect(second).toMatchObject({ items: [{ eventLogId: "el_1" }], nextCursor: null });
    });

    it("filters by device, user and time range", async () => {
      const byDevice = await page("/audit/events?deviceId=dev_3");
      expect(byDevice.items.map((e) => e.eventLogId)).toEqual(["el_3"]);
      const byUser = await page("/audit/events?userId=usr_0");
      expect(byUser.items.map((e) => e.eventLogId)).toEqual(["el_7", "el_0"]);
      const range = await page("/audit/events?from=2026-11-23T08:00:02Z&to=2026-11-23T08:00:04Z");
      expect(range.items.map((e) => e.eventLogId)).toEqual(["el_3", "el_2"]);
    });

    it("shows one event: where it is in Kafka, how it arrived, duplicates seen", async () => {
      const res = await app.request("/audit/events/el_0");
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
      const res = await app.request("/audit/verify?domainId=dom_2");
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ domainId: "dom_2", ok: true, rows: 3 });
    });
  });

  describe("errors, in the one error shape", () => {
    it("answers 404 for an unknown event", async () => {
      const res = await app.request("/audit/events/el_missing");
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
      ["/audit/events?limit=0", "limit"],
      ["/audit/events?from=yesterday", "from"],
      ["/audit/events?cursor=garbage", "cursor"],
      ["/audit/events?color=blue", "color"],
      ["/audit/verify", "domainId"],
    ])("answers 400 for %s", async (path, word) => {
      const res = await app.request(path);
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe("invalid_request");
      expect(body.error.message).toContain(word);
    });

    it("answers 404 in the error shape for an unknown route", async () => {
      const res = await app.request("/nope");
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error.code).toBe("not_found");
    });
  });
});
