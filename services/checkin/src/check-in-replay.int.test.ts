import { type DoorEvent, deadLetterTopic, doorEventRecord } from "@parakey-bridge/contracts";
import { doorEventFixture } from "@parakey-bridge/contracts/testing";
import { redriveTopic } from "@parakey-bridge/kafka";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { systemClock } from "@parakey-bridge/service-kit";
import { PostgresDb, SinkOffsets } from "@parakey-bridge/storage";
import {
  caughtUp,
  consumerServiceEnv,
  it,
  metricValue,
  testLog,
  topicSize,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import type { Registry } from "prom-client";
import { describe, expect } from "vitest";
import { type CheckInConfig, loadCheckInConfig } from "./config.js";
import { createCheckInService, runCheckInOperatorCommand } from "./service.js";

/**
 * 300 unlocks, one every 9 minutes from 05:00 UTC on 23 November 2026 into the 25th, in 3 domains by
 * 8 people on 5 doors (every 9th failed, every 13th without a user). The last 100 come after the
 * replay's start; among them are people's first unlocks of the 25th, so the replay passes over
 * records that created check-ins.
 */
function unlocks(): DoorEvent[] {
  const start = Date.parse("2026-11-23T05:00:00.000Z");
  return Array.from({ length: 300 }, (_, i) =>
    doorEventFixture({
      id: `el_${i}`,
      domainId: ["dom_a", "dom_b", "dom_c"][i % 3] as string,
      userId: i % 13 === 0 ? null : `usr_${(i * 3) % 8}`,
      deviceId: `dev_${i % 5}`,
      success: i % 9 !== 0,
      occurredAt: new Date(start + i * 9 * 60_000),
    }),
  );
}

/** Distinct Kafka timestamps on each side of `since`. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Runs the check-in CLI's command as an operator would, keeping what it prints. */
async function operator(argv: string[], config: CheckInConfig): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCheckInOperatorCommand(argv, config, {
    log: testLog,
    print: (line) => lines.push(line),
  });
  return { code, lines };
}

/** Everything a replay must leave as it was: the check-ins with their presences, and the day counts. */
async function snapshot(db: PostgresDb) {
  const checkIns = await db.query(
    `SELECT domain_id, local_date::text AS local_date, user_id, check_in_id, first_event_log_id, live,
            first_seen_at, last_seen_at, last_device_id, unlock_count
     FROM check_ins ORDER BY domain_id, local_date, user_id`,
  );
  const days = await db.query("SELECT * FROM day_unlocks ORDER BY domain_id, local_date");
  const outbox = await db.query("SELECT count(*)::int AS n FROM check_in_outbox");
  return { checkIns: checkIns.rows, days: days.rows, outbox: outbox.rows };
}

describe("replaying the check-in group from a timestamp (checkin-admin replay)", () => {
  it("re-reads the unlocks since then, the store's own offsets rewound too: still one check-in per person, domain and day, nothing published again; refuses while the service runs", async ({
    kafka,
    topics,
    database,
    services,
  }) => {
    const inspect = new PostgresDb({ url: database.url, schema: "checkin", log: testLog });
    const [topic, checkInsTopic] = await Promise.all([
      topics.create("checkin-replay", 3),
      topics.create("checkin-replay-out", 1),
    ]);
    const group = uniqueName("checkin-replay");
    topics.deleteAtEnd(deadLetterTopic(group), redriveTopic(group));
    const offsets = new SinkOffsets(group);
    const events = unlocks();
    const replayed = events.slice(200);
    await produceAll(
      kafka,
      events.slice(0, 200).map((event) => doorEventRecord(event, topic)),
    );
    await tick();
    const since = new Date();
    await tick();
    await produceAll(
      kafka,
      replayed.map((event) => doorEventRecord(event, topic)),
    );
    const config = loadCheckInConfig(
      consumerServiceEnv(
        { databaseUrl: database.url, group, topic },
        { TOPIC_CHECKINS: checkInsTopic, CONSUMER_MAX_BATCH: "50" },
      ),
    );
    const replay = ["replay", "--since", since.toISOString()];
    const start = () =>
      services.start((deps) => createCheckInService(config, { ...deps, clock: systemClock }));
    const processed = (registry: Registry, outcome?: string) =>
      metricValue(registry, "bridge_consumer_records_processed_total", {
        group,
        ...(outcome ? { outcome } : {}),
      });

    try {
      const first = await start();
      try {
        await waitUntil("checkin consumed the topic", () => caughtUp(kafka, group, [topic]), 120_000);
        await waitUntil("the outbox is empty", async () => (await first.service.store.outboxSize()) === 0);
        const refused = await operator(replay, config);
        expect(refused.code).toBe(1);
        expect(refused.lines.join("\n")).toMatch(/^replay refused: group .* has 1 live member\(s\)/);
      } finally {
        await first.stop();
      }
      const before = await snapshot(inspect);
      const checkInsMade = await metricValue(first.registry, "bridge_checkins_total");
      expect(before.checkIns).toHaveLength(checkInsMade);
      const replayedIds = new Set(replayed.map((e) => e.eventLogId));
      expect(
        before.checkIns.filter((c) => replayedIds.has(String(c.first_event_log_id))).length,
      ).toBeGreaterThan(0);
      expect(
        (await metricValue(first.registry, "bridge_checkin_unlocks_total", { kind: "person" })) +
          (await metricValue(first.registry, "bridge_checkin_unlocks_total", { kind: "anonymous" })),
      ).toBe(events.filter((e) => e.success).length);
      const published = await topicSize(kafka, checkInsTopic);
      expect(published).toBe(checkInsMade);
      const storedBefore = await offsets.read(inspect, topic);

      // The service is stopped: the replay moves the group and the store's offsets.
      const { code, lines } = await operator(replay, config);
      expect(code).toBe(0);
      const storedAfter = await offsets.read(inspect, topic);
      let rewound = 0;
      for (const [partition, previous] of storedBefore) {
        const after = storedAfter.get(partition) ?? previous;
        rewound += Number(previous) - Number(after);
        if (after !== previous)
          expect(lines).toContain(`stored offset ${topic}[${partition}]: ${previous} -> ${after}`);
      }
      expect(rewound).toBe(replayed.length);

      const second = await start();
      try {
        await waitUntil(
          "checkin re-read the replayed unlocks",
          async () => (await processed(second.registry)) >= replayed.length,
        );
        await waitUntil("checkin caught up again", () => caughtUp(kafka, group, [topic]));
      } finally {
        await second.stop();
      }
      // Re-read (not skipped, not taken for redeliveries), each recognised by its event log id.
      expect(await processed(second.registry)).toBe(replayed.length);
      expect(await processed(second.registry, "duplicate")).toBe(replayed.length);
      expect(await metricValue(second.registry, "bridge_checkins_total")).toBe(0);
      expect(await metricValue(second.registry, "bridge_checkin_unlocks_total")).toBe(0);
      expect(await snapshot(inspect)).toEqual(before);
      expect(await topicSize(kafka, checkInsTopic)).toBe(published);
      expect(await offsets.read(inspect, topic)).toEqual(storedBefore);
      expect([...first.fatal, ...second.fatal]).toEqual([]);
    } finally {
      await inspect.close();
    }
  });
});
