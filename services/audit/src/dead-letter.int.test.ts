import {
  type DoorEvent,
  deadLetterTopic,
  decodeDoorEvent,
  doorEventRecord,
  encodeDoorEvent,
} from "@parakey-bridge/contracts";
import { DeadLetterHeaders, type RecordDecoder, redriveDeadLetters } from "@parakey-bridge/kafka";
import { produceAll, readTopic } from "@parakey-bridge/kafka/testing";
import { caughtUp, metricValue, testLog, topicSize, waitUntil } from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { doorEvent, it } from "./test-support.js";

/**
 * The "fix" deployed before the redrive: a producer once shipped events without `via`; the new
 * decoder reads them as webhook deliveries instead of rejecting them.
 */
const tolerantDecoder: RecordDecoder<DoorEvent> = (value) => {
  const json = JSON.parse(value?.toString("utf8") ?? "null") as Record<string, unknown>;
  return decodeDoorEvent(Buffer.from(JSON.stringify({ via: "webhook", ...json })));
};

describe("records the audit cannot take", () => {
  it("dead-letters a contract violation with its reason, goes on, and processes it once after a fix and a redrive", async ({
    kafka,
    eventTopic,
    db,
    startPipeline,
    consumeToEnd,
  }) => {
    const { topic, group } = await eventTopic("dlq", 1);
    const { via: _dropped, ...withoutVia } = doorEvent(1);
    await produceAll(kafka, [
      doorEventRecord(doorEvent(0), topic),
      { topic, key: "dev_1", value: Buffer.from(JSON.stringify(withoutVia)), headers: { ce_id: "el_1" } },
      doorEventRecord(doorEvent(2), topic),
      doorEventRecord(doorEvent(3), topic),
    ]);

    const first = await consumeToEnd({ group, topic });
    const stored = await db.query<{ event_log_id: string }>(
      "SELECT event_log_id FROM audit_events ORDER BY 1",
    );
    expect(stored.rows.map((r) => r.event_log_id)).toEqual(["el_0", "el_2", "el_3"]);

    const [dead, ...more] = await readTopic(kafka, deadLetterTopic(group), { count: 1 });
    expect(more).toEqual([]);
    expect(dead?.key).toBe("dev_1");
    expect(JSON.parse(dead?.value?.toString() ?? "{}")).toEqual(JSON.parse(JSON.stringify(withoutVia)));
    expect(dead?.headers).toMatchObject({
      ce_id: "el_1",
      [DeadLetterHeaders.group]: group,
      [DeadLetterHeaders.originTopic]: topic,
      [DeadLetterHeaders.originPartition]: "0",
      [DeadLetterHeaders.originOffset]: "1",
      [DeadLetterHeaders.errorCode]: "contract_violation",
    });
    expect(dead?.headers[DeadLetterHeaders.errorMessage]).toContain("via");
    expect(dead?.headers[DeadLetterHeaders.firstFailedAt]).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await metricValue(first.registry, "bridge_consumer_dlq_records_total", { group })).toBe(1);

    // The fix is deployed (a decoder that reads the old shape), then the operator redrives.
    const fixed = await startPipeline({ group, topic, runner: { decode: tolerantDecoder } });
    try {
      expect(await redriveDeadLetters(kafka, { group, log: testLog })).toEqual({ redriven: 1 });
      expect(await redriveDeadLetters(kafka, { group, log: testLog })).toEqual({ redriven: 0 });
      await waitUntil("the redriven record was processed", () =>
        caughtUp(kafka, group, fixed.runner.subscribedTopics),
      );
      const row = await fixed.store.get("el_1");
      expect(row).toMatchObject({ eventLogId: "el_1", via: "webhook", duplicates: 0 });
      expect(row?.kafka.topic).toBe(`${deadLetterTopic(group).replace(/\.dlq$/, "")}.redrive`);
      expect(await topicSize(kafka, deadLetterTopic(group))).toBe(1);
      expect(
        await metricValue(fixed.registry, "bridge_consumer_records_processed_total", {
          group,
          outcome: "stored",
        }),
      ).toBe(1);
      expect((await fixed.verifier.verifyAll()).every((chain) => chain.ok)).toBe(true);
    } finally {
      await fixed.stop();
    }
  });

  it("dead-letters a record the database rejects (non-retryable) and stores the rest of its batch", async ({
    kafka,
    eventTopic,
    db,
    consumeToEnd,
  }) => {
    const { topic, group } = await eventTopic("dlq-db", 1);
    const poisoned = doorEvent(1);
    // PostgreSQL's jsonb cannot hold U+0000: the contract accepts the event, the store cannot.
    poisoned.eventLog = { ...poisoned.eventLog, note: "nul\u0000byte" };
    await produceAll(kafka, [
      doorEventRecord(doorEvent(0), topic),
      { topic, key: poisoned.deviceId, value: encodeDoorEvent(poisoned), headers: { ce_id: "el_1" } },
      doorEventRecord(doorEvent(2), topic),
    ]);
    await consumeToEnd({ group, topic });
    const stored = await db.query<{ event_log_id: string }>(
      "SELECT event_log_id FROM audit_events ORDER BY 1",
    );
    expect(stored.rows.map((r) => r.event_log_id)).toEqual(["el_0", "el_2"]);
    const [dead] = await readTopic(kafka, deadLetterTopic(group), { count: 1 });
    expect(dead?.headers[DeadLetterHeaders.errorCode]).toBe("db_query_failed");
    expect(dead?.headers[DeadLetterHeaders.originOffset]).toBe("1");
  });
});
