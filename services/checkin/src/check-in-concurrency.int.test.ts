import { testApiKeys } from "@parakey-bridge/auth/testing";
import { unlockSeries } from "@parakey-bridge/consumer-service/testing";
import { type DoorEvent, deadLetterTopic, doorEventRecord } from "@parakey-bridge/contracts";
import { produceAll, readTopic } from "@parakey-bridge/kafka/testing";
import { systemClock } from "@parakey-bridge/service-kit";
import {
  caughtUp,
  createTestDatabase,
  createTopic,
  deleteTopics,
  testKafka,
  testKafkaBrokers,
  testLog,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { loadCheckInConfig } from "./config.js";
import { createCheckInService } from "./service.js";

const keys = testApiKeys({ auditor: { roles: ["auditor"] } });

/**
 * 1 200 unlocks over two UTC days by 30 people at 5 domains through 24 doors: every person unlocks
 * doors of several partitions, so batches of different partitions stored at the same time add to
 * the same check-ins and day counts. One in ten is delivered twice.
 */
function unlocks(): { events: DoorEvent[]; stream: DoorEvent[] } {
  const events = unlockSeries(1_200, {
    from: "2026-11-23T12:00:00.000Z",
    everyMinutes: 1,
    domains: ["dom_0", "dom_1", "dom_2", "dom_3", "dom_4"],
    people: { count: 30, step: 7 },
    doors: { count: 24 },
    failedEvery: 13,
    idPrefix: "el_c",
  });
  const stream = events.flatMap((event, i) =>
    i % 10 === 0 ? [event, { ...event, via: "poll" as const }] : [event],
  );
  return { events, stream };
}

describe("check-in service storing partitions in parallel (CONSUMER_CONCURRENCY=2)", () => {
  const kafka = testKafka();
  const group = uniqueName("checkin-concurrent");
  const topics: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await deleteTopics(kafka, [
      ...topics,
      deadLetterTopic(group),
      deadLetterTopic(group).replace(/\.dlq$/, ".redrive"),
    ]);
  });

  it("applies every unlock exactly once: the same check-ins, counts and published records as one at a time would", async () => {
    const { events, stream } = unlocks();
    const [eventsTopic, checkInsTopic, database] = await Promise.all([
      createTopic(kafka, "checkin-conc-events", 6),
      createTopic(kafka, "checkin-conc-out", 2),
      createTestDatabase(),
    ]);
    topics.push(eventsTopic, checkInsTopic);
    cleanups.push(() => database.drop());
    await produceAll(
      kafka,
      stream.map((event) => doorEventRecord(event, eventsTopic)),
    );
    const config = loadCheckInConfig({
      API_KEYS: keys.settings.apiKeys.map((k) => `${k.id}:${k.sha256}:${k.roles.join("+")}`).join(","),
      KAFKA_BROKERS: testKafkaBrokers().join(","),
      DATABASE_URL: database.url,
      PORT: "0",
      ADMIN_PORT: "0",
      HOST: "127.0.0.1",
      KAFKA_GROUP_ID: group,
      TOPIC_EVENT_LOGS: eventsTopic,
      TOPIC_CHECKINS: checkInsTopic,
      ENSURE_TOPICS: "false",
      CONSUMER_MAX_BATCH: "50",
      CONSUMER_CONCURRENCY: "2",
    });
    expect(config.consumer.concurrency).toBe(2);
    const fatal: Error[] = [];
    const service = await createCheckInService(config, {
      log: testLog,
      registry: new Registry(),
      clock: systemClock,
      onFatal: (error) => fatal.push(error),
    });
    cleanups.push(() => service.lifecycle.stop());
    await service.lifecycle.start();
    await waitUntil(
      "the group consumed the whole topic",
      () => caughtUp(kafka, group, [eventsTopic]),
      120_000,
    );
    await waitUntil("the outbox is empty", async () => (await service.store.outboxSize()) === 0);

    // The count, made without the service's code.
    const expectedCheckIns = new Map<string, { ids: Set<string>; count: number }>();
    const expectedDays = new Map<string, number>();
    for (const event of events) {
      const day = event.occurredAt.slice(0, 10);
      const dayKey = `${event.domainId}|${day}`;
      expectedDays.set(dayKey, (expectedDays.get(dayKey) ?? 0) + 1);
      if (event.success !== true) continue;
      const key = `${event.domainId}|${event.userId}|${day}`;
      const entry = expectedCheckIns.get(key) ?? { ids: new Set<string>(), count: 0 };
      entry.ids.add(event.eventLogId);
      entry.count += 1;
      expectedCheckIns.set(key, entry);
    }

    const processed = await service.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM processed_unlocks",
    );
    expect(processed.rows[0]?.n).toBe(events.length);
    const days = await service.db.query<{ domain_id: string; local_date: string; unlocks: number }>(
      "SELECT domain_id, local_date::text AS local_date, unlocks FROM day_unlocks",
    );
    expect(new Map(days.rows.map((r) => [`${r.domain_id}|${r.local_date}`, r.unlocks]))).toEqual(
      expectedDays,
    );
    const checkIns = await service.db.query<{
      check_in_id: string;
      key: string;
      first_event_log_id: string;
      unlock_count: number;
    }>(
      `SELECT check_in_id, domain_id || '|' || user_id || '|' || local_date::text AS key, first_event_log_id,
         unlock_count FROM check_ins`,
    );
    expect(new Map(checkIns.rows.map((r) => [r.key, r.unlock_count]))).toEqual(
      new Map([...expectedCheckIns].map(([key, e]) => [key, e.count])),
    );
    for (const row of checkIns.rows) {
      expect(expectedCheckIns.get(row.key)?.ids.has(row.first_event_log_id)).toBe(true);
    }
    const published = await readTopic(kafka, checkInsTopic, {
      count: checkIns.rows.length,
      timeoutMs: 30_000,
    });
    expect(published.map((record) => record.headers.ce_id).sort()).toEqual(
      checkIns.rows.map((r) => r.check_in_id).sort(),
    );
    expect(fatal).toEqual([]);
  });
});
