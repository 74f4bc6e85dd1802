import { replayRehearsal, unlockSeries } from "@parakey-bridge/consumer-service/testing";
import type { PostgresDb } from "@parakey-bridge/storage";
import { it, metricValue, topicSize } from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { checkInService } from "./service.js";

/**
 * 300 unlocks, one every 9 minutes from 05:00 UTC on 23 November 2026 into the 25th, in 3 domains by
 * 8 people on 5 doors (every 9th failed, every 13th without a user). The last 100 come after the
 * replay's start; among them are people's first unlocks of the 25th, so the replay passes over
 * records that created check-ins.
 */
const unlocks = () =>
  unlockSeries(300, {
    from: "2026-11-23T05:00:00.000Z",
    everyMinutes: 9,
    domains: ["dom_a", "dom_b", "dom_c"],
    people: { count: 8, step: 3, anonymousEvery: 13 },
    doors: { count: 5 },
    failedEvery: 9,
  });

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
    harness,
    database,
  }) => {
    const rehearsal = await replayRehearsal(
      harness,
      database,
      { service: checkInService, name: "checkin", writes: { TOPIC_CHECKINS: "checkin-out" } },
      unlocks(),
      200,
    );
    const { topic, events, replayed, inspect, offsets, replay, operator, processed } = rehearsal;
    const checkInsTopic = rehearsal.written.TOPIC_CHECKINS as string;
    const { kafka } = harness;

    const first = await rehearsal.firstRun(async ({ service }) => (await service.store.outboxSize()) === 0);
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
    const { code, lines } = await operator(replay);
    expect(code).toBe(0);
    await rehearsal.expectStoredOffsetsRewound(storedBefore, lines);

    const second = await rehearsal.secondRun(storedBefore);
    // Each replayed unlock recognised by its event log id.
    expect(await processed(second.registry, "duplicate")).toBe(replayed.length);
    expect(await metricValue(second.registry, "bridge_checkins_total")).toBe(0);
    expect(await metricValue(second.registry, "bridge_checkin_unlocks_total")).toBe(0);
    expect(await snapshot(inspect)).toEqual(before);
    expect(await topicSize(kafka, checkInsTopic)).toBe(published);
  });
});
