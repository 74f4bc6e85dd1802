import { replayGroup } from "@parakey-bridge/kafka";
import { createTestDatabase, uniqueName } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";
import {
  auditDb,
  auditPipeline,
  caughtUp,
  createTopic,
  deliveries,
  doorEventRecord,
  metricValue,
  produce,
  silentLog,
  testKafka,
  waitUntil,
} from "./test-support.js";

const snapshot = (db: Awaited<ReturnType<typeof auditDb>>) =>
  db
    .query(
      "SELECT event_log_id, duplicates, hash, kafka_offset::text AS o FROM audit_events ORDER BY event_log_id",
    )
    .then((r) => r.rows);

describe("replaying the audit group from a timestamp", () => {
  it("re-reads the events since then and leaves the store unchanged; refuses while the group is live", async () => {
    const kafka = testKafka();
    const database = await createTestDatabase();
    const db = await auditDb(database.url);
    const topic = await createTopic(kafka, "replay", 2);
    const group = uniqueName("audit-replay");
    const { stream } = deliveries(600);
    await produce(
      kafka,
      stream.slice(0, 400).map((event) => doorEventRecord(event, topic)),
    );
    const since = new Date();
    await produce(
      kafka,
      stream.slice(400).map((event) => doorEventRecord(event, topic)),
    );

    const first = auditPipeline({ kafka, db, group, topic });
    await first.runner.start();
    try {
      await waitUntil("the group consumed the topic", () => caughtUp(kafka, group, [topic]));
      await expect(
        replayGroup(kafka, { group, topics: [topic], since, log: silentLog }),
      ).rejects.toMatchObject({
        code: "group_active",
      });
    } finally {
      await first.runner.stop();
    }
    const before = await snapshot(db);

    const moves = await replayGroup(kafka, { group, topics: [topic], since, log: silentLog });
    expect(moves.some((move) => Number(move.to) < Number(move.from))).toBe(true);

    const second = auditPipeline({ kafka, db, group, topic });
    await second.runner.start();
    try {
      await waitUntil("the group re-read the replayed records", () => caughtUp(kafka, group, [topic]));
    } finally {
      await second.runner.stop();
    }
    const reread = await metricValue(second.registry, "bridge_consumer_records_processed_total", {
      group,
      outcome: "redelivered",
    });
    expect(reread).toBe(stream.length - 400);
    expect(await snapshot(db)).toEqual(before);
    expect((await second.verifier.verifyAll()).every((chain) => chain.ok)).toBe(true);
    await db.close();
    await database.drop();
  });

  it("never moves a stopped group forward past records it has not read", async () => {
    const kafka = testKafka();
    const topic = await createTopic(kafka, "replay-forward", 1);
    const group = uniqueName("audit-replay-forward");
    const { stream } = deliveries(20);
    await produce(
      kafka,
      stream.map((event) => doorEventRecord(event, topic)),
    );
    // The group stopped after reading 5 of the 20 records.
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: "5" }] });

    // A `since` after every record points at the end of the partition; the group must stay at 5.
    const later = new Date(Date.now() + 3_600_000);
    const moves = await replayGroup(kafka, { group, topics: [topic], since: later, log: silentLog });
    expect(moves).toEqual([{ topic, partition: 0, from: "5", to: "5" }]);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: "5" })]);
    await admin.disconnect();
  });
});
