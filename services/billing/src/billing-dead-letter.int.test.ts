import { type DoorEvent, deadLetterTopic } from "@parakey-bridge/contracts";
import { ConsumerRunner, DeadLetterHeaders, doorEventDecoder, type Kafka } from "@parakey-bridge/kafka";
import { readTopic } from "@parakey-bridge/kafka/testing";
import { type Db, migrate, PostgresDb } from "@parakey-bridge/storage";
import { createTestDatabase, uniqueName } from "@parakey-bridge/testkit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createBillingMetrics } from "./metrics.js";
import { billingMigrations } from "./migrations.js";
import {
  createTopic,
  deleteTopics,
  doorEvent,
  doorEventRecord,
  produce,
  silentLog,
  testKafka,
  waitUntil,
} from "./test-support.js";
import { UsageSink } from "./usage-sink.js";
import { UsageStore } from "./usage-store.js";

const unlock = (id: string): DoorEvent =>
  doorEvent({
    id,
    domainId: "dom_a",
    userId: "usr_1",
    deviceId: "dev_1",
    success: true,
    occurredAt: "2026-01-10T08:00:00.000Z",
  });

/** Billing's consumer as the service wires it: the usage store resumes from its own offsets. */
function meteringConsumer(kafka: Kafka, db: Db, group: string, topic: string) {
  const registry = new Registry();
  const store = new UsageStore(db, () => "UTC", group);
  const runner = new ConsumerRunner<DoorEvent>({
    kafka,
    group,
    topics: [topic],
    decode: doorEventDecoder,
    sink: new UsageSink(store, db, createBillingMetrics(registry)),
    log: silentLog,
    registry,
    heartbeatIntervalMs: 1_000,
    sessionTimeoutMs: 10_000,
    retry: { initialMs: 50, maxMs: 500 },
    onFatal: (error) => {
      throw error;
    },
  });
  return { runner, store };
}

async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

describe("billing's stored offsets and the dead-letter topic", () => {
  it("does not dead-letter a batch's last record again after a restart: the store's offset passed it", async () => {
    const kafka = testKafka();
    const database = await createTestDatabase();
    const db = new PostgresDb({ url: database.url, schema: "billing", log: silentLog });
    await migrate(db, billingMigrations, silentLog);
    const topic = await createTopic(kafka, "billing-dlq-tail", 1);
    const group = uniqueName("billing-dlq-tail");
    const { via: _dropped, ...withoutVia } = unlock("el_bad");
    await produce(kafka, [
      doorEventRecord(topic, unlock("el_0")),
      doorEventRecord(topic, unlock("el_1")),
      { topic, key: "dev_1", value: Buffer.from(JSON.stringify(withoutVia)) },
    ]);
    try {
      const first = meteringConsumer(kafka, db, group, topic);
      await first.runner.start();
      try {
        await waitUntil("the contract violation was dead-lettered", async () => {
          return (await topicSize(kafka, deadLetterTopic(group))) >= 1;
        });
        await waitUntil("the store's offset passed it", async () => {
          return (await first.store.storedOffsets(topic)).get(0) === "3";
        });
      } finally {
        await first.runner.stop();
      }

      // The pod restarts: the runner seeks to the store's offset, so it must be past the dead letter.
      await produce(kafka, [doorEventRecord(topic, unlock("el_3"))]);
      const second = meteringConsumer(kafka, db, group, topic);
      await second.runner.start();
      try {
        await waitUntil("the later unlock was metered", async () => {
          return (await second.store.storedOffsets(topic)).get(0) === "4";
        });
      } finally {
        await second.runner.stop();
      }

      expect(await topicSize(kafka, deadLetterTopic(group))).toBe(1);
      const [dead] = await readTopic(kafka, deadLetterTopic(group), { count: 1 });
      expect(dead?.headers).toMatchObject({
        [DeadLetterHeaders.originTopic]: topic,
        [DeadLetterHeaders.originOffset]: "2",
        [DeadLetterHeaders.errorCode]: "contract_violation",
      });
      const metered = await db.query<{ event_log_id: string }>(
        "SELECT event_log_id FROM metered_unlocks ORDER BY 1",
      );
      expect(metered.rows.map((r) => r.event_log_id)).toEqual(["el_0", "el_1", "el_3"]);
    } finally {
      await db.close();
      await database.drop();
      await deleteTopics(kafka, [
        topic,
        deadLetterTopic(group),
        deadLetterTopic(group).replace(/\.dlq$/, ".redrive"),
      ]);
    }
  });
});
