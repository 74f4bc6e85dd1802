import { deadLetterTopic } from "@parakey-bridge/contracts";
import { redriveTopic } from "@parakey-bridge/kafka";
import { systemClock } from "@parakey-bridge/service-kit";
import { PostgresDb } from "@parakey-bridge/storage";
import { createTestDatabase, testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { loadBillingConfig } from "./config.js";
import { createBillingService } from "./service.js";
import {
  caughtUp,
  createTopic,
  deleteTopics,
  doorEvent,
  doorEventRecord,
  independentMeters,
  metricValue,
  produce,
  silentLog,
  storedMeters,
  testKafka,
  topicSize,
  waitUntil,
} from "./test-support.js";

const unlock = (i: number, life: string) =>
  doorEvent({
    id: `el_${life}_${i}`,
    domainId: ["dom_a", "dom_b"][i % 2] as string,
    userId: `usr_${life}_${i % 5}`,
    deviceId: `dev_${i % 4}`,
    success: true,
    occurredAt: new Date(Date.parse("2026-01-10T08:00:00.000Z") + i * 60_000).toISOString(),
  });

describe("billing when its topic is recreated under it (issue 13, item 5)", () => {
  it("meters every new unlock of the recreated topic, though each arrives below the offset it stored for the old one", async () => {
    const kafka = testKafka();
    const database = await createTestDatabase();
    const inspect = new PostgresDb({ url: database.url, schema: "billing", log: silentLog });
    const topic = await createTopic(kafka, "billing-recreated", 2);
    const group = uniqueName("billing-recreated");
    const config = loadBillingConfig({
      KAFKA_BROKERS: testKafkaBrokers().join(","),
      DATABASE_URL: database.url,
      PORT: "0",
      ADMIN_PORT: "0",
      HOST: "127.0.0.1",
      KAFKA_GROUP_ID: group,
      TOPIC_EVENT_LOGS: topic,
      ENSURE_TOPICS: "false",
      CONSUMER_SESSION_TIMEOUT_MS: "6000",
      AUTH_DISABLED: "true", // this test calls no API
      CONSUMER_HEARTBEAT_INTERVAL_MS: "1000",
    });
    const before = Array.from({ length: 60 }, (_, i) => unlock(i, "old"));
    const after = Array.from({ length: 20 }, (_, i) => unlock(i, "new"));
    const registry = new Registry();
    const fatal: Error[] = [];
    const service = await createBillingService(config, {
      log: silentLog,
      registry,
      clock: systemClock,
      onFatal: (error) => fatal.push(error),
    });
    await produce(
      kafka,
      before.map((event) => doorEventRecord(event, topic)),
    );
    await service.lifecycle.start();
    try {
      await waitUntil("billing metered the old topic", () => caughtUp(kafka, group, [topic]));

      // The topic is deleted and created again while billing runs; its new records start at 0.
      await deleteTopics(kafka, [topic]);
      await waitUntil("the topic is gone", async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          return !(await admin.listTopics()).includes(topic);
        } finally {
          await admin.disconnect();
        }
      });
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [{ topic, numPartitions: 2, replicationFactor: 1 }],
        });
      } finally {
        await admin.disconnect();
      }
      await produce(
        kafka,
        after.map((event) => doorEventRecord(event, topic)),
      );

      await waitUntil(
        "every new unlock is metered",
        async () => {
          const { rows } = await inspect.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM metered_unlocks WHERE event_log_id LIKE 'el_new_%'",
          );
          return rows[0]?.n === after.length;
        },
        120_000,
      );
      await waitUntil("billing caught up with the new topic", () => caughtUp(kafka, group, [topic]));
      expect(await storedMeters(inspect)).toEqual(independentMeters([...before, ...after], () => 0));
      expect(await topicSize(kafka, deadLetterTopic(group))).toBe(0);
      expect(fatal).toEqual([]);
    } finally {
      await service.lifecycle.stop();
      await inspect.close();
      await database.drop();
      await deleteTopics(kafka, [topic, deadLetterTopic(group), redriveTopic(group)]);
    }
    expect(
      await metricValue(registry, "bridge_consumer_records_processed_total", { group }),
    ).toBeGreaterThanOrEqual(before.length + after.length);
  });
});
