import { deadLetterTopic, redriveTopic } from "@parakey-bridge/kafka";
import { systemClock } from "@parakey-bridge/service-kit";
import { PostgresDb } from "@parakey-bridge/storage";
import { createTestDatabase, testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { loadCheckInConfig } from "./config.js";
import { createCheckInService } from "./service.js";
import {
  caughtUp,
  createTopic,
  deleteTopics,
  doorEvent,
  doorEventRecord,
  produce,
  silentLog,
  testKafka,
  topicSize,
  waitUntil,
} from "./test-support.js";

/** Unlocks of one life of the topic: 5 people per life, each a check-in of 23 November. */
const unlock = (i: number, life: string) =>
  doorEvent({
    id: `el_${life}_${i}`,
    domainId: "dom_a",
    userId: `usr_${life}_${i % 5}`,
    deviceId: `dev_${i % 4}`,
    success: true,
    occurredAt: new Date(Date.parse("2026-11-23T08:00:00.000Z") + i * 60_000).toISOString(),
  });

async function recreate(kafka: ReturnType<typeof testKafka>, topic: string, partitions: number) {
  await deleteTopics(kafka, [topic]);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitUntil("the topic is gone", async () => !(await admin.listTopics()).includes(topic));
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    });
  } finally {
    await admin.disconnect();
  }
}

describe("check-in when its topic is recreated under it (issue 13, item 5)", () => {
  it("checks in every person of the recreated topic, though each unlock arrives below the offset it stored for the old one", async () => {
    const kafka = testKafka();
    const database = await createTestDatabase();
    const inspect = new PostgresDb({ url: database.url, schema: "checkin", log: silentLog });
    const [topic, checkInsTopic] = await Promise.all([
      createTopic(kafka, "checkin-recreated", 2),
      createTopic(kafka, "checkin-recreated-out", 1),
    ]);
    const group = uniqueName("checkin-recreated");
    const config = loadCheckInConfig({
      KAFKA_BROKERS: testKafkaBrokers().join(","),
      DATABASE_URL: database.url,
      PORT: "0",
      ADMIN_PORT: "0",
      HOST: "127.0.0.1",
      KAFKA_GROUP_ID: group,
      TOPIC_EVENT_LOGS: topic,
      TOPIC_CHECKINS: checkInsTopic,
      ENSURE_TOPICS: "false",
      AUTH_DISABLED: "true", // this test calls no API
      CONSUMER_SESSION_TIMEOUT_MS: "6000",
      CONSUMER_HEARTBEAT_INTERVAL_MS: "1000",
    });
    const before = Array.from({ length: 60 }, (_, i) => unlock(i, "old"));
    const after = Array.from({ length: 20 }, (_, i) => unlock(i, "new"));
    const fatal: Error[] = [];
    const service = await createCheckInService(config, {
      log: silentLog,
      registry: new Registry(),
      clock: systemClock,
      onFatal: (error) => fatal.push(error),
    });
    await produce(
      kafka,
      before.map((event) => doorEventRecord(event, topic)),
    );
    await service.lifecycle.start();
    const checkIns = async (life: string) =>
      (
        await inspect.query<{ user_id: string }>(
          "SELECT user_id FROM check_ins WHERE user_id LIKE $1 ORDER BY user_id",
          [`usr_${life}_%`],
        )
      ).rows.map((row) => row.user_id);
    try {
      await waitUntil("check-in consumed the old topic", () => caughtUp(kafka, group, [topic]));
      expect(await checkIns("old")).toHaveLength(5);

      // The topic is deleted and created again while check-in runs; its new records start at 0.
      await recreate(kafka, topic, 2);
      await produce(
        kafka,
        after.map((event) => doorEventRecord(event, topic)),
      );

      await waitUntil(
        "every new unlock is processed",
        async () => {
          const { rows } = await inspect.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM processed_unlocks WHERE event_log_id LIKE 'el_new_%'",
          );
          return rows[0]?.n === after.length;
        },
        120_000,
      );
      await waitUntil("check-in caught up with the new topic", () => caughtUp(kafka, group, [topic]));
      expect(await checkIns("new")).toEqual([
        "usr_new_0",
        "usr_new_1",
        "usr_new_2",
        "usr_new_3",
        "usr_new_4",
      ]);
      const { rows } = await inspect.query<{ unlocks: number }>(
        "SELECT unlocks FROM day_unlocks WHERE domain_id = 'dom_a' AND local_date = '2026-11-23'",
      );
      expect(rows[0]?.unlocks).toBe(before.length + after.length);
      await waitUntil(
        "every check-in is published",
        async () => (await topicSize(kafka, checkInsTopic)) === 10,
      );
      expect(await topicSize(kafka, deadLetterTopic(group))).toBe(0);
      expect(fatal).toEqual([]);
    } finally {
      await service.lifecycle.stop();
      await inspect.close();
      await database.drop();
      await deleteTopics(kafka, [topic, checkInsTopic, deadLetterTopic(group), redriveTopic(group)]);
    }
  }, 180_000);
});
