import { deadLetterTopic } from "@parakey-bridge/contracts";
import { BridgeError } from "@parakey-bridge/service-kit";
import { metricValue, topicSize } from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { doorEvent, it } from "./test-support.js";

describe("per-device order", () => {
  it("holds a device's later events until a retryable failure on an earlier one succeeds", async ({
    kafka,
    eventTopic,
    db,
    consumeToEnd,
  }) => {
    const { topic, group, produce } = await eventTopic("order", 1);
    const events = Array.from({ length: 12 }, (_, i) => doorEvent(i, { devices: 1, domains: 1 }));
    await produce(events);

    const committedWrites: string[][] = [];
    let failuresLeft = 3;
    const pipeline = await consumeToEnd({
      group,
      topic,
      runner: { maxBatchRecords: 2 },
      sink: (inner) => ({
        name: "flaky-audit-store",
        probe: () => inner.probe(),
        async write(records) {
          if (records.some((r) => r.value.eventLogId === "el_5") && failuresLeft > 0) {
            failuresLeft -= 1;
            throw new BridgeError("db_conflict", "lock timeout on the audit store");
          }
          const outcomes = await inner.write(records);
          committedWrites.push(records.map((r) => r.value.eventLogId));
          return outcomes;
        },
      }),
    });
    expect(failuresLeft).toBe(0);
    expect(committedWrites.flat()).toEqual(events.map((e) => e.eventLogId));
    const { rows } = await db.query<{ event_log_id: string }>(
      "SELECT event_log_id FROM audit_events WHERE device_id = 'dev_0' ORDER BY chain_seq",
    );
    expect(rows.map((r) => r.event_log_id)).toEqual(events.map((e) => e.eventLogId));
    expect(await metricValue(pipeline.registry, "bridge_consumer_retries_total", { group })).toBe(3);
    expect(await topicSize(kafka, deadLetterTopic(group))).toBe(0);
  });
});
