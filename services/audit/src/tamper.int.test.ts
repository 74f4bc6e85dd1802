import type { Db } from "@parakey-bridge/storage";
import { describe, expect } from "vitest";
import { erasePersonalData } from "./erasure.js";
import { doorEvent, it } from "./test-support.js";

/** `count` events of one domain (dom_0), one a second from 2026-11-23T08:00:00Z. */
const oneDomain = (count: number) => Array.from({ length: count }, (_, i) => doorEvent(i, { domains: 1 }));

/** What someone with database superuser rights could do: switch the append-only guard off. */
async function tamper(db: Db, sql: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
    await tx.query(sql);
    await tx.query("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only");
  });
}

describe("tamper evidence", () => {
  it("verifies an untouched chain", async ({ storeEvents }) => {
    const audit = await storeEvents(oneDomain(20));
    expect(await audit.verifier.verify("dom_0")).toEqual({ domainId: "dom_0", ok: true, rows: 20 });
  });

  it("refuses edits and deletes through the append-only guard", async ({ storeEvents }) => {
    const audit = await storeEvents(oneDomain(3));
    await expect(
      audit.db.query("UPDATE audit_events SET success = false WHERE event_log_id = 'el_1'"),
    ).rejects.toThrow(/immutable/);
    await expect(audit.db.query("DELETE FROM audit_events WHERE event_log_id = 'el_1'")).rejects.toThrow(
      /append-only/,
    );
  });

  it("names the edited row when one stored row is changed", async ({ storeEvents }) => {
    const audit = await storeEvents(oneDomain(20));
    await tamper(audit.db, "UPDATE audit_events SET success = NOT success WHERE event_log_id = 'el_7'");
    const result = await audit.verifier.verify("dom_0");
    expect(result).toMatchObject({
      ok: false,
      rows: 7,
      brokenAt: { seq: "8", eventLogId: "el_7", reason: "hash_mismatch" },
    });
  });

  it("names the row whose personal data was changed", async ({ storeEvents }) => {
    const audit = await storeEvents(oneDomain(5));
    await tamper(
      audit.db,
      "UPDATE audit_events SET personal = jsonb_set(personal, '{userId}', '\"usr_eve\"') WHERE event_log_id = 'el_2'",
    );
    expect((await audit.verifier.verify("dom_0")).brokenAt).toMatchObject({
      eventLogId: "el_2",
      reason: "personal_data_mismatch",
    });
  });

  it("notices a removed row and rows cut off the end", async ({ storeEvents }) => {
    const audit = await storeEvents(oneDomain(6));
    await tamper(audit.db, "DELETE FROM audit_events WHERE event_log_id = 'el_5'");
    expect((await audit.verifier.verify("dom_0")).brokenAt).toMatchObject({
      seq: "5",
      reason: "sequence_gap",
    });
    await tamper(audit.db, "DELETE FROM audit_events WHERE event_log_id = 'el_2'");
    expect((await audit.verifier.verify("dom_0")).brokenAt).toMatchObject({
      seq: "4",
      eventLogId: "el_3",
      reason: "sequence_gap",
    });
  });
});

describe("personal-data erasure", () => {
  it("erases who unlocked the door after the retention and the chain still verifies", async ({
    storeEvents,
  }) => {
    const audit = await storeEvents(oneDomain(10));
    const before = await audit.store.get("el_3");
    expect(before?.userId).toBe("usr_3");
    expect(JSON.stringify(before?.payload)).toContain("ada@example.com");

    // The fixture events happened on 2026-11-23 from 08:00:00, one per second.
    const erased = await erasePersonalData(audit.db, {
      olderThan: new Date("2026-11-23T08:00:05.000Z"),
      now: new Date("2027-03-01T00:00:00Z"),
    });
    expect(erased).toBe(5);

    const after = await audit.store.get("el_3");
    expect(after).toMatchObject({
      userId: null,
      personalDataErased: true,
      erasedAt: "2027-03-01T00:00:00.000Z",
    });
    expect(JSON.stringify(after)).not.toContain("ada@example.com");
    expect(JSON.stringify(after)).not.toContain("usr_3");
    expect(after?.payload).toMatchObject({ id: "el_3", device: { id: "dev_3" } });
    expect((await audit.store.get("el_7"))?.userId).toBe("usr_0");
    const { rows } = await audit.db.query(
      "SELECT 1 FROM audit_events WHERE personal_salt IS NULL AND erased_at IS NULL",
    );
    expect(rows).toEqual([]);

    expect(await audit.verifier.verify("dom_0")).toEqual({ domainId: "dom_0", ok: true, rows: 10 });
    expect(
      await erasePersonalData(audit.db, { olderThan: new Date("2026-11-24T00:00:00Z"), now: new Date() }),
    ).toBe(5);
    expect((await audit.verifier.verify("dom_0")).ok).toBe(true);
  });
});
