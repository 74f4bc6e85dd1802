import { deadLetterTopic, doorEventRecord } from "@parakey-bridge/contracts";
import { doorEventFixture } from "@parakey-bridge/contracts/testing";
import { redriveTopic } from "@parakey-bridge/kafka";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { systemClock } from "@parakey-bridge/service-kit";
import { PostgresDb } from "@parakey-bridge/storage";
import {
  caughtUp,
  consumerServiceEnv,
  it,
  recreateTopic,
  testLog,
  topicSize,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { loadCheckInConfig } from "./config.js";
import { createCheckInService } from "./service.js";

/** Unlocks of one life of the topic: 5 people per life, each a check-in of 23 November. */
const unlock = (i: number, life: string) =>
  doorEventFixture({
    id: `el_${life}_${i}`,
    domainId: "dom_a",
    userId: `usr_${life}_${i % 5}`,
    deviceId: `dev_${i % 4}`,
    success: true,
    occurredAt: new Date(Date.parse("2026-11-23T08:00:00.000Z") + i * 60_000),
  });

describe("check-in when its topic is recreated under it (issue 13, item 5)", () => {
  it("checks in every person of the recreated topic, though each unlock arrives below the offset it stored for the old one", async ({
    kafka,
    topics,
    database,
    services,
  }) => {
    const inspect = new PostgresDb({ url: database.url, schema: "checkin", log: testLog });
    const [topic, checkInsTopic] = await Promise.all([
      topics.create("checkin-recreated", 2),
      topics.create("checkin-recreated-out", 1),
    ]);
    const group = uniqueName("checkin-recreated");
    topics.deleteAtEnd(deadLetterTopic(group), redriveTopic(group));
    const config = loadCheckInConfig(
      consumerServiceEnv({ databaseUrl: database.url, group, topic }, { TOPIC_CHECKINS: checkInsTopic }),
    );
    const before = Array.from({ length: 60 }, (_, i) => unlock(i, "old"));
    const after = Array.from({ length: 20 }, (_, i) => unlock(i, "new"));
    await produceAll(
      kafka,
      before.map((event) => doorEventRecord(event, topic)),
    );
    const { fatal, stop } = await services.start((deps) =>
      createCheckInService(config, { ...deps, clock: systemClock }),
    );
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
      await recreateTopic(kafka, topic, 2);
      await produceAll(
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
      await stop();
      await inspect.close();
    }
  }, 180_000);
});
