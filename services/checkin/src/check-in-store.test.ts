import { embeddedDatabasePerFile } from "@parakey-bridge/consumer-service/testing";
import { describe, expect, it } from "vitest";
import { CheckInStore } from "./check-in-store.js";
import { checkInMigrations } from "./migrations.js";
import { checkInTables, testDomainSettings as settings, unlockRecord } from "./testing.js";

describe("CheckInStore on embedded PostgreSQL", () => {
  let store: CheckInStore;
  embeddedDatabasePerFile(
    { schema: "checkin", migrations: checkInMigrations, truncate: checkInTables },
    (db) => {
      store = new CheckInStore(db, settings, "checkin");
    },
  );

  it("records one check-in per person and day and queues it once for publishing", async () => {
    const first = await store.writeBatch([
      unlockRecord(0, { occurredAt: "2026-11-23T08:00:00.000Z" }),
      unlockRecord(1, { occurredAt: "2026-11-23T12:00:00.000Z", deviceId: "dev_back" }),
    ]);
    expect(first.outcomes).toEqual(["stored", "stored"]);
    expect(first.checkIns.map((c) => c.firstEventLogId)).toEqual(["el_0"]);
    const second = await store.writeBatch([unlockRecord(2, { occurredAt: "2026-11-23T17:00:00.000Z" })]);
    expect(second.checkIns).toEqual([]);

    const { items } = await store.checkInsOfDay("dom_hq", "2026-11-23", { limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      firstEventLogId: "el_0",
      firstSeenAt: "2026-11-23T08:00:00.000Z",
      lastSeenAt: "2026-11-23T17:00:00.000Z",
      lastDeviceId: "dev_front",
      unlockCount: 3,
      live: true,
    });
    expect(await store.outboxSize()).toBe(1);
  });

  it("skips records below the stored offset as redeliveries and repeated event logs as duplicates", async () => {
    await store.writeBatch([unlockRecord(0), unlockRecord(1, { userId: "usr_bob" })]);
    const again = await store.writeBatch([
      unlockRecord(1, { userId: "usr_bob" }),
      unlockRecord(2, { eventLogId: "el_0" }),
      unlockRecord(3, { eventLogId: "el_new" }),
      unlockRecord(4, { eventLogId: "el_new" }),
    ]);
    expect(again.outcomes).toEqual(["redelivered", "duplicate", "stored", "duplicate"]);
    expect(await store.storedOffsets("parakey.event-logs.v1")).toEqual(new Map([[0, "5"]]));
    const { items } = await store.checkInsOfDay("dom_hq", "2026-11-23", { limit: 10 });
    expect(items.map((c) => [c.userId, c.unlockCount])).toEqual([
      ["usr_ada", 2],
      ["usr_bob", 1],
    ]);
  });

  it("stores new events below the stored offset (the topic was recreated): the claim decides, the offset only labels", async () => {
    await store.writeBatch([unlockRecord(40, { eventLogId: "el_old" })]);
    const recreated = await store.writeBatch([
      unlockRecord(0, { eventLogId: "el_new_0", userId: "usr_bob" }),
      unlockRecord(1, { eventLogId: "el_old" }),
      unlockRecord(2, { eventLogId: "el_new_2", userId: "usr_cy" }),
    ]);
    expect(recreated.outcomes).toEqual(["stored", "redelivered", "stored"]);
    expect(recreated.checkIns.map((c) => c.userId)).toEqual(["usr_bob", "usr_cy"]);
    // The mark follows the records: a restart resumes at 3 on the new topic, not at 41.
    expect(await store.storedOffsets("parakey.event-logs.v1")).toEqual(new Map([[0, "3"]]));
  });

  it("keeps the published check-in when an earlier unlock of that day arrives later, moving only first seen", async () => {
    await store.writeBatch([unlockRecord(0, { occurredAt: "2026-11-23T09:00:00.000Z" })]);
    const late = await store.writeBatch([
      unlockRecord(1, { occurredAt: "2026-11-23T07:00:00.000Z", delayMs: 3_600_000 }),
    ]);
    expect(late.checkIns).toEqual([]);
    const { items } = await store.checkInsOfDay("dom_hq", "2026-11-23", { limit: 10 });
    expect(items[0]).toMatchObject({
      firstEventLogId: "el_0",
      occurredAt: "2026-11-23T09:00:00.000Z",
      firstSeenAt: "2026-11-23T07:00:00.000Z",
      unlockCount: 2,
    });
  });

  it("counts failed and user-less unlocks for the day without a check-in", async () => {
    await store.writeBatch([
      unlockRecord(0, { success: false }),
      unlockRecord(1, { userId: null }),
      unlockRecord(2, { domainId: null }),
    ]);
    expect(await store.dayUnlocks("dom_hq", "2026-11-23")).toEqual({
      unlocks: 2,
      successfulUnlocks: 1,
      anonymousUnlocks: 1,
    });
    expect((await store.checkInsOfDay("dom_hq", "2026-11-23", { limit: 10 })).items).toEqual([]);
    expect(await store.outboxSize()).toBe(0);
  });

  it("leases outbox rows so a second publisher skips them, and frees them again on release", async () => {
    await store.writeBatch([unlockRecord(0), unlockRecord(1, { userId: "usr_bob" })]);
    const leased = await store.leaseOutbox(10, 60_000);
    expect(leased.map((e) => e.checkIn.userId)).toEqual(["usr_ada", "usr_bob"]);
    expect(await store.leaseOutbox(10, 60_000)).toEqual([]);
    await store.releaseOutbox(leased.map((e) => e.id));
    const again = await store.leaseOutbox(10, 60_000);
    expect(again).toHaveLength(2);
    await store.deleteOutbox(again.map((e) => e.id));
    expect(await store.outboxSize()).toBe(0);
  });

  it("lists one person's check-ins over a range of local days, optionally in one domain", async () => {
    await store.writeBatch([
      unlockRecord(0, { occurredAt: "2026-11-23T23:30:00.000Z", domainId: "dom_se" }),
      unlockRecord(1, { occurredAt: "2026-11-25T10:00:00.000Z" }),
      unlockRecord(2, { occurredAt: "2026-11-30T10:00:00.000Z" }),
    ]);
    const range = await store.checkInsOfUser("usr_ada", { from: "2026-11-24", to: "2026-11-29" });
    expect(range.map((c) => [c.domainId, c.localDate])).toEqual([
      ["dom_se", "2026-11-24"],
      ["dom_hq", "2026-11-25"],
    ]);
    const one = await store.checkInsOfUser("usr_ada", {
      from: "2026-11-01",
      to: "2026-11-30",
      domainId: "dom_se",
    });
    expect(one.map((c) => c.localDate)).toEqual(["2026-11-24"]);
  });
});
