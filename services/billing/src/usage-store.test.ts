import { embeddedDatabasePerFile } from "@parakey-bridge/consumer-service/testing";
import { describe, expect, it } from "vitest";
import { billingMigrations } from "./migrations.js";
import { unlockRecord } from "./testing.js";
import { UsageStore } from "./usage-store.js";

const zones = (domainId: string) => (domainId === "dom_se" ? "Europe/Stockholm" : "UTC");

describe("UsageStore on embedded PostgreSQL", () => {
  let store: UsageStore;
  const truncate = [
    "metered_unlocks",
    "usage_meters",
    "period_active_users",
    "period_active_devices",
    "billing_periods",
    "issued_usage",
    "usage_adjustments",
    "consumer_offsets",
  ];
  embeddedDatabasePerFile({ schema: "billing", migrations: billingMigrations, truncate }, (db) => {
    store = new UsageStore(db, zones, "billing");
  });

  it("meters successful unlocks, distinct users and distinct devices per domain and month", async () => {
    await store.writeBatch([
      unlockRecord(0),
      unlockRecord(1, { userId: "usr_2" }),
      unlockRecord(2, { deviceId: "dev_2" }),
      unlockRecord(3, { userId: null, deviceId: "dev_3" }),
      unlockRecord(4, { success: false, userId: "usr_9", deviceId: "dev_9" }),
      unlockRecord(5, { occurredAt: "2026-02-01T08:00:00.000Z" }),
    ]);
    await store.writeBatch([unlockRecord(6, { userId: "usr_2" })]);
    const january = await store.usage("dom_a", "2026-01");
    expect(january).toMatchObject({
      status: "open",
      timeZone: "UTC",
      usage: { successfulUnlocks: 5, activeUsers: 2, activeDevices: 3 },
      issued: null,
      adjustments: [],
    });
    expect((await store.usage("dom_a", "2026-02")).usage).toEqual({
      successfulUnlocks: 1,
      activeUsers: 1,
      activeDevices: 1,
    });
  });

  it("counts a record delivered again, or an event log seen twice, once, and stores the next offset", async () => {
    const first = await store.writeBatch([unlockRecord(0), unlockRecord(1)]);
    expect(first.outcomes).toEqual(["stored", "stored"]);
    const again = await store.writeBatch([
      unlockRecord(0),
      unlockRecord(1),
      unlockRecord(2, { eventLogId: "el_0_0" }),
      unlockRecord(3),
      unlockRecord(4, { eventLogId: "el_0_3" }),
    ]);
    expect(again.outcomes).toEqual(["redelivered", "redelivered", "duplicate", "stored", "duplicate"]);
    expect((await store.usage("dom_a", "2026-01")).usage.successfulUnlocks).toBe(3);
    expect(await store.storedOffsets("parakey.event-logs.v1")).toEqual(new Map([[0, "5"]]));
  });

  it("meters new unlocks below the stored offset (the topic was recreated): the claim decides, the offset only labels", async () => {
    await store.writeBatch([unlockRecord(40, { eventLogId: "el_old" })]);
    const recreated = await store.writeBatch([
      unlockRecord(0, { eventLogId: "el_new_0" }),
      unlockRecord(1, { eventLogId: "el_old" }),
      unlockRecord(2, { eventLogId: "el_new_2", success: false }),
      unlockRecord(3, { eventLogId: "el_new_3", userId: "usr_2" }),
    ]);
    expect(recreated.outcomes).toEqual(["stored", "redelivered", "redelivered", "stored"]);
    expect(recreated.metered).toBe(2);
    expect((await store.usage("dom_a", "2026-01")).usage).toEqual({
      successfulUnlocks: 3,
      activeUsers: 2,
      activeDevices: 1,
    });
    expect(await store.storedOffsets("parakey.event-logs.v1")).toEqual(new Map([[0, "4"]]));
  });

  it("bills an unlock at 23:30 UTC on 31 January in February for a Stockholm domain", async () => {
    await store.writeBatch([unlockRecord(0, { domainId: "dom_se", occurredAt: "2026-01-31T23:30:00.000Z" })]);
    expect((await store.usage("dom_se", "2026-02")).usage.successfulUnlocks).toBe(1);
    expect((await store.usage("dom_se", "2026-01")).usage.successfulUnlocks).toBe(0);
  });

  it("issues the meters at close and turns a later unlock of that month into an adjustment line", async () => {
    await store.writeBatch([unlockRecord(0), unlockRecord(1, { userId: "usr_2" })]);
    const closed = await store.closePeriod("2026-01", new Date("2026-02-05T00:00:00.000Z"));
    expect(closed).toEqual({
      period: "2026-01",
      closedAt: "2026-02-05T00:00:00.000Z",
      alreadyClosed: false,
      domains: 1,
    });
    const late = await store.writeBatch([
      unlockRecord(2, {
        eventLogId: "el_late",
        userId: "usr_3",
        occurredAt: "2026-01-31T10:00:00.000Z",
        delayMs: 2 * 86_400_000,
      }),
    ]);
    expect(late.adjustments).toBe(1);
    const report = await store.usage("dom_a", "2026-01");
    expect(report).toMatchObject({
      status: "closed",
      issued: { successfulUnlocks: 2, activeUsers: 2, activeDevices: 1 },
      usage: { successfulUnlocks: 3, activeUsers: 3, activeDevices: 1 },
    });
    expect(report.adjustments).toEqual([
      expect.objectContaining({
        eventLogId: "el_late",
        successfulUnlocks: 1,
        activeUsers: 1,
        activeDevices: 0,
        occurredAt: "2026-01-31T10:00:00.000Z",
        recordedAt: "2026-02-02T10:00:00.000Z",
      }),
    ]);
  });

  it("closes a period once: a second close changes nothing and keeps the first close time", async () => {
    await store.writeBatch([unlockRecord(0)]);
    await store.closePeriod("2026-01", new Date("2026-02-05T00:00:00.000Z"));
    await store.writeBatch([unlockRecord(1, { userId: "usr_2" })]);
    const second = await store.closePeriod("2026-01", new Date("2026-03-01T00:00:00.000Z"));
    expect(second).toMatchObject({ closedAt: "2026-02-05T00:00:00.000Z", alreadyClosed: true, domains: 1 });
    expect((await store.usage("dom_a", "2026-01")).issued?.successfulUnlocks).toBe(1);
  });

  it("exports an open period as provisional usage lines and a closed one as issued plus adjustment lines", async () => {
    await store.writeBatch([unlockRecord(0), unlockRecord(1, { domainId: "dom_b" })]);
    expect((await store.usageLines("2026-01")).map((l) => [l.domainId, l.line, l.successfulUnlocks])).toEqual(
      [
        ["dom_a", "usage", 1],
        ["dom_b", "usage", 1],
      ],
    );
    await store.closePeriod("2026-01", new Date("2026-02-05T00:00:00.000Z"));
    await store.writeBatch([
      unlockRecord(2, { eventLogId: "el_late_a" }),
      unlockRecord(3, { eventLogId: "el_late_c", domainId: "dom_c" }),
    ]);
    const lines = await store.usageLines("2026-01");
    expect(lines.map((l) => [l.domainId, l.line, l.successfulUnlocks, l.eventLogId])).toEqual([
      ["dom_a", "issued", 1, undefined],
      ["dom_a", "adjustment", 1, "el_late_a"],
      ["dom_b", "issued", 1, undefined],
      ["dom_c", "adjustment", 1, "el_late_c"],
    ]);
    expect(lines.find((l) => l.domainId === "dom_c")?.timeZone).toBe("UTC");
  });
});
