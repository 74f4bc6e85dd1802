import { type DoorEvent, deadLetterTopic, decodeDoorEvent, doorEventRecord } from "@parakey-bridge/contracts";
import { doorEventFixture } from "@parakey-bridge/contracts/testing";
import { ConsumerRunner, type Kafka, type RecordDecoder, redriveTopic } from "@parakey-bridge/kafka";
import { expectOneDeadLetter, produceAll } from "@parakey-bridge/kafka/testing";
import { type Db, migrate, PostgresDb } from "@parakey-bridge/storage";
import {
  caughtUp,
  consumerServiceEnv,
  it,
  metricValue,
  type TestDatabase,
  type TopicsFixture,
  testLog,
  topicSize,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import { Registry } from "prom-client";
import { describe, expect } from "vitest";
import { loadBillingConfig } from "./config.js";
import { createBillingMetrics } from "./metrics.js";
import { billingMigrations } from "./migrations.js";
import { runBillingOperatorCommand } from "./service.js";
import { storedMeters } from "./test-support.js";
import { UsageSink } from "./usage-sink.js";
import { UsageStore } from "./usage-store.js";

const unlock = (id: string): DoorEvent =>
  doorEventFixture({
    id,
    domainId: "dom_a",
    userId: "usr_1",
    deviceId: "dev_1",
    success: true,
    occurredAt: "2026-01-10T08:00:00.000Z",
  });

/**
 * The "fix" deployed before a redrive: a producer once shipped events without `via`; the new decoder
 * reads them as webhook deliveries instead of rejecting them.
 */
const tolerantDecoder: RecordDecoder<DoorEvent> = (value) => {
  const json = JSON.parse(value?.toString("utf8") ?? "null") as Record<string, unknown>;
  return decodeDoorEvent(Buffer.from(JSON.stringify({ via: "webhook", ...json })));
};

/** Billing's consumer as the service wires it: the usage store resumes from its own offsets. */
function meteringConsumer(
  kafka: Kafka,
  db: Db,
  group: string,
  topic: string,
  decode: RecordDecoder<DoorEvent> = decodeDoorEvent,
) {
  const registry = new Registry();
  const store = new UsageStore(db, () => "UTC", group);
  const runner = new ConsumerRunner<DoorEvent>({
    kafka,
    group,
    topics: [topic],
    decode,
    sink: new UsageSink(store, db, createBillingMetrics(registry)),
    log: testLog,
    registry,
    heartbeatIntervalMs: 1_000,
    sessionTimeoutMs: 10_000,
    retry: { initialMs: 50, maxMs: 500 },
    onFatal: (error) => {
      throw error;
    },
  });
  return { runner, store, registry };
}

/** The unlock as a producer once shipped it, without `via`: a contract violation for the current decoder. */
function oldShape(event: DoorEvent, topic: string) {
  const { via: _dropped, ...withoutVia } = event;
  return { topic, key: event.deviceId, value: Buffer.from(JSON.stringify(withoutVia)) };
}

/**
 * Runs billing's consumer over a topic of three records, one of them the old shape, until that one is
 * dead-lettered and the store's offset passed all three; then stops it.
 */
async function meterPastTheDeadLetter(kafka: Kafka, db: Db, group: string, topic: string): Promise<void> {
  const first = meteringConsumer(kafka, db, group, topic);
  await first.runner.start();
  try {
    await waitUntil("the old-shape unlock was dead-lettered", async () => {
      return (await topicSize(kafka, deadLetterTopic(group))) >= 1;
    });
    await waitUntil("the store's offset passed it", async () => {
      return (await first.store.storedOffsets(topic)).get(0) === "3";
    });
  } finally {
    await first.runner.stop();
  }
}

/**
 * The billing schema, migrated, in the test's database, and a topic (one partition) of a group of the
 * test's own holding an unlock per id, in order: the one named `old` in the old shape.
 */
async function meteringGround(
  fixtures: { kafka: Kafka; topics: TopicsFixture; database: TestDatabase },
  prefix: string,
  ids: readonly string[],
  old: string,
): Promise<{ db: PostgresDb; topic: string; group: string }> {
  const { kafka, topics, database } = fixtures;
  const db = new PostgresDb({ url: database.url, schema: "billing", log: testLog });
  await migrate(db, billingMigrations, testLog);
  const topic = await topics.create(prefix, 1);
  const group = uniqueName(prefix);
  topics.deleteAtEnd(deadLetterTopic(group), redriveTopic(group));
  await produceAll(
    kafka,
    ids.map((id) => (id === old ? oldShape(unlock(id), topic) : doorEventRecord(unlock(id), topic))),
  );
  return { db, topic, group };
}

/** The event log ids billing metered, in order. */
async function meteredIds(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ event_log_id: string }>(
    "SELECT event_log_id FROM metered_unlocks ORDER BY 1",
  );
  return rows.map((r) => r.event_log_id);
}

describe("billing's stored offsets and the dead-letter topic", () => {
  it("does not dead-letter a batch's last record again after a restart: the store's offset passed it", async ({
    kafka,
    topics,
    database,
  }) => {
    const { db, topic, group } = await meteringGround(
      { kafka, topics, database },
      "billing-dlq-tail",
      ["el_0", "el_1", "el_bad"],
      "el_bad",
    );
    try {
      await meterPastTheDeadLetter(kafka, db, group, topic);

      // The pod restarts: the runner seeks to the store's offset, so it must be past the dead letter.
      await produceAll(kafka, [doorEventRecord(unlock("el_3"), topic)]);
      const second = meteringConsumer(kafka, db, group, topic);
      await second.runner.start();
      try {
        await waitUntil("the later unlock was metered", async () => {
          return (await second.store.storedOffsets(topic)).get(0) === "4";
        });
      } finally {
        await second.runner.stop();
      }

      await expectOneDeadLetter(kafka, group, { topic, offset: "2", errorCode: "contract_violation" });
      expect(await meteredIds(db)).toEqual(["el_0", "el_1", "el_3"]);
    } finally {
      await db.close();
    }
  });

  it("meters a dead-lettered unlock exactly once after the fix is deployed and billing-admin redrive sends it back", async ({
    kafka,
    topics,
    database,
  }) => {
    const { db, topic, group } = await meteringGround(
      { kafka, topics, database },
      "billing-redrive",
      ["el_0", "el_old_shape", "el_2"],
      "el_old_shape",
    );
    const config = loadBillingConfig(consumerServiceEnv({ databaseUrl: database.url, group, topic }));
    const redrive = async () => {
      const lines: string[] = [];
      const code = await runBillingOperatorCommand(["redrive"], config, {
        log: testLog,
        print: (line) => lines.push(line),
      });
      return { code, lines };
    };
    const metered = () => meteredIds(db);
    try {
      await meterPastTheDeadLetter(kafka, db, group, topic);
      expect(await metered()).toEqual(["el_0", "el_2"]);

      // The fix is deployed (a decoder that reads the old shape), then the operator redrives.
      const fixed = meteringConsumer(kafka, db, group, topic, tolerantDecoder);
      await fixed.runner.start();
      try {
        expect(await redrive()).toEqual({ code: 0, lines: [`redrove 1 record(s) of group ${group}`] });
        expect(await redrive()).toEqual({ code: 0, lines: [`redrove 0 record(s) of group ${group}`] });
        await waitUntil("the redriven unlock was metered", async () => (await metered()).length === 3);
        await waitUntil("the group committed the redrive topic", () =>
          caughtUp(kafka, group, fixed.runner.subscribedTopics),
        );
      } finally {
        await fixed.runner.stop();
      }
      expect(await metered()).toEqual(["el_0", "el_2", "el_old_shape"]);
      expect(await storedMeters(db)).toEqual(
        new Map([["dom_a|2026-01", { successfulUnlocks: 3, activeUsers: 1, activeDevices: 1 }]]),
      );
      expect(await metricValue(fixed.registry, "bridge_consumer_records_processed_total", { group })).toBe(1);
      expect(
        await metricValue(fixed.registry, "bridge_consumer_records_processed_total", {
          group,
          outcome: "stored",
        }),
      ).toBe(1);
      expect(await topicSize(kafka, deadLetterTopic(group))).toBe(1);
      // The store's offsets cover the redrive topic too: a restart does not meter the unlock again.
      const redriveOffsets = await fixed.store.storedOffsets(redriveTopic(group));
      expect([...redriveOffsets.values()].reduce((sum, next) => sum + Number(next), 0)).toBe(1);
    } finally {
      await db.close();
    }
  });
});
