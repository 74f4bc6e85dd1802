import { replayGroup } from "@parakey-bridge/kafka";
import { caughtUp, metricValue, testLog, waitUntil } from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { type auditDb, deliveries, it } from "./test-support.js";

const snapshot = (db: Awaited<ReturnType<typeof auditDb>>) =>
  db
    .query(
      "SELECT event_log_id, duplicates, hash, kafka_offset::text AS o FROM audit_events ORDER BY event_log_id",
    )
    .then((r) => r.rows);

describe("replaying the audit group from a timestamp", () => {
  it("re-reads the events since then and leaves the store unchanged; refuses while the group is live", async ({
    kafka,
    eventTopic,
    db,
    startPipeline,
    consumeToEnd,
  }) => {
    const { topic, group, produce } = await eventTopic("replay", 2);
    const { stream } = deliveries(600);
    await produce(stream.slice(0, 400));
    const since = new Date();
    await produce(stream.slice(400));

    const first = await startPipeline({ group, topic });
    try {
      await waitUntil("the group consumed the topic", () => caughtUp(kafka, group, [topic]));
      await expect(replayGroup(kafka, { group, topics: [topic], since, log: testLog })).rejects.toMatchObject(
        {
          code: "group_active",
        },
      );
    } finally {
      await first.stop();
    }
    const before = await snapshot(db);

    const moves = await replayGroup(kafka, { group, topics: [topic], since, log: testLog });
    expect(moves.some((move) => Number(move.to) < Number(move.from))).toBe(true);

    // Caught up again: the group re-read the replayed records.
    const second = await consumeToEnd({ group, topic });
    const reread = await metricValue(second.registry, "bridge_consumer_records_processed_total", {
      group,
      outcome: "redelivered",
    });
    expect(reread).toBe(stream.length - 400);
    expect(await snapshot(db)).toEqual(before);
    expect((await second.verifier.verifyAll()).every((chain) => chain.ok)).toBe(true);
  });

  it("never moves a stopped group forward past records it has not read", async ({ kafka, eventTopic }) => {
    const { topic, group, produce } = await eventTopic("replay-forward", 1);
    const { stream } = deliveries(20);
    await produce(stream);
    // The group stopped after reading 5 of the 20 records.
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: "5" }] });

    // A `since` after every record points at the end of the partition; the group must stay at 5.
    const later = new Date(Date.now() + 3_600_000);
    const moves = await replayGroup(kafka, { group, topics: [topic], since: later, log: testLog });
    expect(moves).toEqual([{ topic, partition: 0, from: "5", to: "5" }]);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: "5" })]);
    await admin.disconnect();
  });
});
