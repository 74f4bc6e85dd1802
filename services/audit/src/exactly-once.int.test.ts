import { deadLetterTopic } from "@parakey-bridge/contracts";
import { caughtUp, metricSamples, metricValue, topicSize, waitUntil } from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { countRows, deliveries, it } from "./test-support.js";

describe("audit consumes an at-least-once topic", () => {
  it("holds each of 10 000 events exactly once when each was delivered 1–3 times, and counts the duplicates", async ({
    kafka,
    eventTopic,
    db,
    startPipeline,
  }) => {
    const { topic, group, produce } = await eventTopic("exactly-once", 3);
    const { events, stream } = deliveries(10_000);
    await produce(stream);
    const pipeline = await startPipeline({ group, topic });
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
      const lags = (await metricSamples(pipeline.registry)).filter(
        (s) => s.name === "bridge_consumer_lag" && s.labels.group === group && s.labels.topic === topic,
      );
      expect(lags.map((s) => s.value)).toEqual([0, 0, 0]);
    } finally {
      await pipeline.stop();
    }
  });
});
