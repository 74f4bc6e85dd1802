import { topicRecreatedScenario } from "@parakey-bridge/consumer-service/testing";
import { doorEventFixture } from "@parakey-bridge/contracts/testing";
import type { PostgresDb } from "@parakey-bridge/storage";
import { it, topicSize, waitUntil } from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { checkInService } from "./service.js";

/** The people of one life of the topic with a check-in. */
const checkIns = async (inspect: PostgresDb, life: string) =>
  (
    await inspect.query<{ user_id: string }>(
      "SELECT user_id FROM check_ins WHERE user_id LIKE $1 ORDER BY user_id",
      [`usr_${life}_%`],
    )
  ).rows.map((row) => row.user_id);

describe("check-in when its topic is recreated under it (issue 13, item 5)", () => {
  it("checks in every person of the recreated topic, though each unlock arrives below the offset it stored for the old one", async ({
    harness,
    database,
  }) => {
    const { written, before, after, inspect } = await topicRecreatedScenario(
      harness,
      database,
      { service: checkInService, name: "checkin", writes: { TOPIC_CHECKINS: "checkin-out" } },
      {
        // Unlocks of one life of the topic: 5 people per life, each a check-in of 23 November.
        unlock: (i, life) =>
          doorEventFixture({
            id: `el_${life}_${i}`,
            domainId: "dom_a",
            userId: `usr_${life}_${i % 5}`,
            deviceId: `dev_${i % 4}`,
            success: true,
            occurredAt: new Date(Date.parse("2026-11-23T08:00:00.000Z") + i * 60_000),
          }),
        processedTable: "processed_unlocks",
        oldConsumed: async (db) => expect(await checkIns(db, "old")).toHaveLength(5),
      },
    );
    const checkInsTopic = written.TOPIC_CHECKINS as string;
    expect(await checkIns(inspect, "new")).toEqual([
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
      async () => (await topicSize(harness.kafka, checkInsTopic)) === 10,
    );
  }, 180_000);
});
