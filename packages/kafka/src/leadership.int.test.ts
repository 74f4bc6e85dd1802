import { testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "./client.js";
import { readLatestByKey } from "./compacted-topic.js";
import { PartitionLeadership } from "./leadership.js";
import { BatchingProducer } from "./producer.js";

const log = pino({ level: "silent" });

/** Resolves once `condition` holds, checking every 50 ms (no fixed sleeps, no timing asserts). */
async function until(condition: () => boolean, what: string, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("partition leadership and compacted state on the real broker", () => {
  const kafka = createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName("lead"), ssl: false }, log);
  const topic = uniqueName("lead-state");
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: "cleanup.policy", value: "compact" }],
        },
      ],
    });
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it("elects exactly one of two candidates, keeps it when the second joins, and hands over when it leaves", async () => {
    const group = uniqueName("lead-group");
    const terms: { who: string; signal: AbortSignal }[] = [];
    const candidate = (who: string) =>
      new PartitionLeadership({
        kafka,
        group,
        topic,
        log,
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 500,
        onElected: (term) => terms.push({ who, signal: term.signal }),
      });
    const first = candidate("first");
    const second = candidate("second");
    await first.start();
    await until(() => first.isLeader, "the first candidate to lead");
    await second.start();
    // The second member's join rebalances the group: the first ends its term, rejoins, and keeps the lead.
    await until(() => terms.length >= 2, "a rebalance");
    await until(() => first.isLeader || second.isLeader, "a leader after the rebalance");
    expect(first.isLeader).toBe(true);
    expect(second.isLeader).toBe(false);
    expect(terms.every((t) => t.who === "first")).toBe(true);
    expect(terms.filter((t) => !t.signal.aborted)).toHaveLength(1);

    await first.stop();
    expect(terms.every((t) => t.signal.aborted)).toBe(true);
    await until(() => second.isLeader, "the second candidate to take over");
    expect(terms.filter((t) => !t.signal.aborted).map((t) => t.who)).toEqual(["second"]);
    await second.stop();
  });

  it("reads the latest value per key of a compacted topic up to its end, tombstones included", async () => {
    const producer = new BatchingProducer(kafka, { log, registry: new Registry() });
    await producer.start();
    const value = (text: string) => Buffer.from(text);
    await producer.send({ topic, key: "a", value: value("a1") });
    await producer.send({ topic, key: "b", value: value("b1") });
    await producer.send({ topic, key: "a", value: value("a2") });
    await producer.send({ topic, key: "c", value: value("c1") });
    await producer.send({ topic, key: "c", value: null as unknown as Buffer });
    await producer.stop();

    const latest = await readLatestByKey(kafka, topic, { log, keep: (key) => key !== "b" });
    expect(latest.get("a")?.toString()).toBe("a2");
    expect(latest.has("b")).toBe(false);
    expect(latest.get("c")).toBeNull();
  });

  it("reads an empty topic as an empty map without joining a group", async () => {
    const empty = uniqueName("lead-empty");
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: empty, numPartitions: 1 }] });
    expect((await readLatestByKey(kafka, empty, { log })).size).toBe(0);
    await admin.deleteTopics({ topics: [empty] }).catch(() => undefined);
  });
});
