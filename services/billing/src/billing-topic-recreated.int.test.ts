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
  metricValue,
  recreateTopic,
  testLog,
  topicSize,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { loadBillingConfig } from "./config.js";
import { createBillingService } from "./service.js";
import { independentMeters, storedMeters } from "./test-support.js";

const unlock = (i: number, life: string) =>
  doorEventFixture({
    id: `el_${life}_${i}`,
    domainId: ["dom_a", "dom_b"][i % 2] as string,
    userId: `usr_${life}_${i % 5}`,
    deviceId: `dev_${i % 4}`,
    success: true,
    occurredAt: new Date(Date.parse("2026-01-10T08:00:00.000Z") + i * 60_000),
  });

describe("billing when its topic is recreated under it (issue 13, item 5)", () => {
  it("meters every new unlock of the recreated topic, though each arrives below the offset it stored for the old one", async ({
    kafka,
    topics,
    database,
    services,
  }) => {
    const inspect = new PostgresDb({ url: database.url, schema: "billing", log: testLog });
    const topic = await topics.create("billing-recreated", 2);
    const group = uniqueName("billing-recreated");
    topics.deleteAtEnd(deadLetterTopic(group), redriveTopic(group));
    const config = loadBillingConfig(consumerServiceEnv({ databaseUrl: database.url, group, topic }));
    const before = Array.from({ length: 60 }, (_, i) => unlock(i, "old"));
    const after = Array.from({ length: 20 }, (_, i) => unlock(i, "new"));
    await produceAll(
      kafka,
      before.map((event) => doorEventRecord(event, topic)),
    );
    const { registry, fatal, stop } = await services.start((deps) =>
      createBillingService(config, { ...deps, clock: systemClock }),
    );
    try {
      await waitUntil("billing metered the old topic", () => caughtUp(kafka, group, [topic]));

      // The topic is deleted and created again while billing runs; its new records start at 0.
      await recreateTopic(kafka, topic, 2);
      await produceAll(
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
      await stop();
      await inspect.close();
    }
    expect(
      await metricValue(registry, "bridge_consumer_records_processed_total", { group }),
    ).toBeGreaterThanOrEqual(before.length + after.length);
  });
});
