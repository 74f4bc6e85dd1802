import { AccessLog, Pseudonymiser } from "@parakey-bridge/auth";
import { TestIssuer } from "@parakey-bridge/auth/testing";
import { systemClock } from "@parakey-bridge/service-kit";
import type { Db } from "@parakey-bridge/storage";
import { createTestDatabase, testLog } from "@parakey-bridge/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { ChainVerifier } from "./chain/verify.js";
import { AuditStore } from "./store/audit-store.js";
import { auditDb, doorEvent, inboundRecords } from "./test-support.js";

// The audit API over real PostgreSQL, trusting a real JWKS endpoint on 127.0.0.1 whose keys are made
// here: tokens as an enterprise SSO issues them, roles and places in their claims.
describe("audit API access control with OpenID Connect tokens", () => {
  let issuer: TestIssuer;
  let db: Db;
  let drop: () => Promise<void>;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    issuer = await TestIssuer.start();
    const database = await createTestDatabase();
    drop = database.drop;
    db = await auditDb(database.url);
    const store = new AuditStore(db, { group: "audit-access" });
    // 8 events over dom_0 .. dom_3 (el_1 and el_5 in dom_1, el_2 and el_6 in dom_2).
    await store.append(inboundRecords(Array.from({ length: 8 }, (_, i) => doorEvent(i))));
    app = createApp({
      store,
      verifier: new ChainVerifier(db),
      auth: {
        jwt: issuer.jwtSettings(),
        apiKeys: [],
        rateLimitPerMinute: 0,
        pseudonymKey: "integration-test-pseudonym-key-0123456789",
      },
      accessLog: new AccessLog(db, systemClock),
      pseudonyms: new Pseudonymiser("integration-test-pseudonym-key-0123456789"),
      log: testLog,
    });
  });
  afterAll(async () => {
    await db.close();
    await drop();
    await issuer.stop();
  });

  const as = async (path: string, claims: Record<string, unknown>) =>
    app.request(path, { headers: { authorization: `Bearer ${await issuer.token(claims)}` } });

  it("answers 401 with WWW-Authenticate without a token", async () => {
    const res = await app.request("/v1/events");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="parakey-bridge"/);
  });

  it("does not let a principal limited to one domain list, read or verify another domain's events", async () => {
    const hq = { sub: "staff-dom-1", roles: ["auditor"], domains: ["dom_1"] };
    const listed = (await (await as("/v1/events?limit=500", hq)).json()) as {
      items: { domainId: string }[];
    };
    expect(listed.items.map((e) => e.domainId)).toEqual(["dom_1", "dom_1"]);
    expect((await as("/v1/events?domainId=dom_2", hq)).status).toBe(403);
    const other = await as("/v1/events/el_2", hq);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { message: string } }).error.message).toBe(
      "no audit record for event log el_2",
    );
    expect((await as("/v1/events/el_1", hq)).status).toBe(200);
    expect((await as("/v1/verify?domainId=dom_2", hq)).status).toBe(403);
    expect((await as("/v1/verify?domainId=dom_1", hq)).status).toBe(200);
  });

  it("records an auditor's personal-data read in the access record, and shows a reader only pseudonyms", async () => {
    const reader = await as("/v1/events/el_3", { sub: "reporting", roles: ["reader"], domains: ["*"] });
    expect(JSON.stringify(await reader.json())).not.toContain("usr_3");

    const read = await as("/v1/events/el_3", { sub: "ada@acme", roles: ["auditor"], domains: ["*"] });
    expect(((await read.json()) as { userId: string }).userId).toBe("usr_3");

    const log = await as("/v1/access-log?principalId=ada@acme", {
      sub: "lead",
      roles: ["auditor"],
      domains: "*",
    });
    expect(log.status).toBe(200);
    expect(((await log.json()) as { items: unknown[] }).items).toEqual([
      expect.objectContaining({
        principal: { id: "ada@acme", kind: "jwt" },
        action: "get_event",
        subjects: ["el_3"],
        accessedAt: expect.any(String),
      }),
    ]);
    const readers = await as("/v1/access-log?principalId=reporting", {
      sub: "lead",
      roles: ["auditor"],
      domains: "*",
    });
    expect(((await readers.json()) as { items: unknown[] }).items).toEqual([]);
  });
});
