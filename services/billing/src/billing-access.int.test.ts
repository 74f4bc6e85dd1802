import { TestIssuer } from "@parakey-bridge/auth/testing";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { migrate, PostgresDb } from "@parakey-bridge/storage";
import { TestHarness, testLog } from "@parakey-bridge/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { billingMigrations } from "./migrations.js";
import { unlockRecord } from "./testing.js";
import { UsageStore } from "./usage-store.js";

// Closing a period bills every customer: only an operator over every domain may, with a token of a real
// (local) OpenID Connect issuer, against real PostgreSQL.
describe("billing: who may close a period", () => {
  // Undone at the end: the pool closed, the issuer stopped, the database dropped.
  const harness = new TestHarness();
  let issuer: TestIssuer;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    issuer = await TestIssuer.start();
    harness.onClose(() => issuer.stop());
    const database = await harness.database();
    const db = new PostgresDb({ url: database.url, schema: "billing", log: testLog });
    harness.onClose(() => db.close());
    await migrate(db, billingMigrations, testLog);
    const store = new UsageStore(db, () => "UTC", "billing-access");
    await store.writeBatch([unlockRecord(0, { domainId: "dom_a" })]);
    app = createApp({
      queries: store,
      clock: new ManualClock(new Date("2026-02-02T00:00:00.000Z")),
      timeZones: ["UTC"],
      auth: { jwt: issuer.jwtSettings(), apiKeys: [], rateLimitPerMinute: 0, pseudonymKey: undefined },
      log: testLog,
    });
  });
  afterAll(() => harness.close());

  const close = async (claims: Record<string, unknown>) =>
    app.request("/v1/periods/2026-01/close", {
      method: "POST",
      headers: { authorization: `Bearer ${await issuer.token(claims)}` },
    });

  it("answers 403 to a reader and to an operator of one domain, and closes for an operator of all", async () => {
    expect((await close({ sub: "viewer", roles: ["reader"], domains: "*" })).status).toBe(403);
    expect((await close({ sub: "site-ops", roles: ["operator"], domains: ["dom_a"] })).status).toBe(403);
    const usage = await app.request("/v1/domains/dom_a/usage/2026-01", {
      headers: { authorization: `Bearer ${await issuer.token({ roles: ["reader"], domains: ["dom_a"] })}` },
    });
    expect(await usage.json()).toMatchObject({ status: "open" });
    const closed = await close({ sub: "finance-ops", roles: ["operator"], domains: "*" });
    expect(closed.status).toBe(200);
    expect(await closed.json()).toMatchObject({ period: "2026-01", alreadyClosed: false });
  });
});
