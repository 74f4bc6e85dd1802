import { embeddedDatabasePerFile } from "@parakey-bridge/consumer-service/testing";
import type { OutgoingRecord } from "@parakey-bridge/kafka";
import { UnavailableError } from "@parakey-bridge/service-kit";
import type { PgliteDb } from "@parakey-bridge/storage";
import { testLog as log } from "@parakey-bridge/testkit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { CheckInPublisher } from "./check-in-publisher.js";
import { CheckInStore } from "./check-in-store.js";
import { createCheckInMetrics } from "./metrics.js";
import { checkInMigrations } from "./migrations.js";
import { checkInTables, testDomainSettings as settings, unlockRecord } from "./testing.js";

/** Kafka as the publisher sees it: takes records, or refuses them while "down". */
class BrokerStandIn {
  down = false;
  readonly acknowledged: OutgoingRecord[] = [];
  async send(records: OutgoingRecord | OutgoingRecord[]): Promise<void> {
    if (this.down) throw new UnavailableError("kafka_unavailable", "broker down");
    this.acknowledged.push(...(Array.isArray(records) ? records : [records]));
  }
}

describe("CheckInPublisher", () => {
  let db: PgliteDb;
  let store: CheckInStore;
  const metrics = createCheckInMetrics(new Registry(), async () => 0);
  embeddedDatabasePerFile(
    { schema: "checkin", migrations: checkInMigrations, truncate: checkInTables },
    (opened) => {
      db = opened;
      store = new CheckInStore(db, settings, "checkin");
    },
  );

  it("keeps check-ins in the outbox while Kafka refuses them and publishes each once it takes them", async () => {
    await store.writeBatch([unlockRecord(0), unlockRecord(1, { userId: "usr_bob", domainId: "dom_b" })]);
    const broker = new BrokerStandIn();
    const publisher = new CheckInPublisher({ store, producer: broker, topic: "checkins", log, metrics });
    broker.down = true;
    await expect(publisher.publishOnce()).rejects.toThrow(UnavailableError);
    expect(await store.outboxSize()).toBe(2);

    broker.down = false;
    expect(await publisher.publishOnce()).toBe(2);
    expect(await store.outboxSize()).toBe(0);
    expect(broker.acknowledged.map((r) => [r.key, r.headers?.ce_type]).sort()).toEqual([
      ["dom_b", "co.parakey.bridge.check-in.v1"],
      ["dom_hq", "co.parakey.bridge.check-in.v1"],
    ]);
    expect(await publisher.publishOnce()).toBe(0);
  });

  it("publishes a check-in again with the same ce_id when a replica died between Kafka's ack and the outbox delete", async () => {
    await store.writeBatch([unlockRecord(0)]);
    const broker = new BrokerStandIn();
    // The replica that dies: it leased the row and Kafka acknowledged, but the delete never happened.
    const leased = await store.leaseOutbox(10, 60_000);
    await broker.send({
      topic: "checkins",
      key: "dom_hq",
      value: Buffer.from("{}"),
      headers: { ce_id: leased[0]?.checkIn.checkInId ?? "" },
    });
    // Its lease runs out.
    await db.exec("UPDATE check_in_outbox SET leased_until = now() - interval '1 minute'");

    const survivor = new CheckInPublisher({ store, producer: broker, topic: "checkins", log, metrics });
    expect(await survivor.publishOnce()).toBe(1);
    const ids = broker.acknowledged.map((r) => r.headers?.ce_id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
    expect(await store.outboxSize()).toBe(0);
  });

  it("does not take rows another replica holds a lease on", async () => {
    await store.writeBatch([unlockRecord(0)]);
    await store.leaseOutbox(10, 60_000);
    const broker = new BrokerStandIn();
    const other = new CheckInPublisher({ store, producer: broker, topic: "checkins", log, metrics });
    expect(await other.publishOnce()).toBe(0);
    expect(broker.acknowledged).toEqual([]);
  });

  it("sends what is waiting when it stops, so the last batches' check-ins leave with the replica", async () => {
    await store.writeBatch([unlockRecord(0)]);
    const broker = new BrokerStandIn();
    const publisher = new CheckInPublisher({
      store,
      producer: broker,
      topic: "checkins",
      log,
      metrics,
      pollIntervalMs: 60_000,
    });
    await store.writeBatch([unlockRecord(1, { userId: "usr_late" })]);
    await publisher.stop();
    expect(await store.outboxSize()).toBe(0);
    expect(broker.acknowledged).toHaveLength(2);
  });
});
