import { deadLetterTopic } from "@parakey-bridge/contracts";
import { createTestDatabase, uniqueName } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";
import {
  auditDb,
  auditPipeline,
  caughtUp,
  countRows,
  createTopic,
  deliveries,
  doorEventRecord,
  metricValue,
  produce,
  testKafka,
  topicSize,
  waitUntil,
} from "./test-support.js";

describe("audit consumes an at-least-once topic", () => {
  it("holds each of 10 000 events exactly once when each was delivered 1–3 times, and counts the duplicates", async () => {
    const kafka = testKafka();
    const database = await createTestDatabase();
    const db = await auditDb(database.url);
    const topic = await createTopic(kafka, "exactly-once", 3);
    const group = uniqueName("audit-eo");
    const { events, stream } = deliveries(10_000);
    await produce(
      kafka,
      stream.map((event) => doorEventRecord(event, topic)),
    );
    const pipeline = auditPipeline({ kafka, db, group, topic });
    await pipeline.runner.start();
    try {
      await waitUntil("the group consumed the whole topic", () => caughtUp(kafka, group, [topic]), 180_000);

      expect(await countRows(db)).toBe(10_000);
      const { rows } = await db.query<{ event_log_id: string }>("SELECT event_log_id FROM audit_events");
      expect(new Set(rows.map((r) => r.event_log_id))).toEqual(new Set(events.map((e) => e.eventLogId)));
      const { rows: dup } = await db.query<{ n: string }>(
        "SELECT sum(duplicates)::text AS n FROM audit_events",
      );
      expect(Number(dup[0]?.n)).toBe(stream.length - events.length);
      expect(await metricValue(pipeline.registry, "bridge_consumer_duplicates_total", { group })).toBe(
        stream.length - events.length,
      );
      expect(await topicSize(kafka, deadLetterTopic(group))).toBe(0);

      const chains = await pipeline.verifier.verifyAll();
      expect(chains.length).toBe(4);
      expect(chains.filter((chain) => !chain.ok)).toEqual([]);
      expect(chains.reduce((sum, chain) => sum + chain.rows, 0)).toBe(10_000);

      // Lag is read from the broker on scrape: nothing left behind.
      const text = await pipeline.registry.metrics();
      const lags = [
        ...text.matchAll(
          new RegExp(
            `bridge_consumer_lag\\{group="${group}",topic="${topic}",partition="\\d"\\} (\\d+)`,
            "g",
          ),
        ),
      ];
      expect(lags.map((m) => Number(m[1]))).toEqual([0, 0, 0]);
    } finally {
      await pipeline.runner.stop();
      await db.close();
      await database.drop();
    }
  });
});
