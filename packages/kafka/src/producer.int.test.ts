import { testKafkaBrokers, topicSize, uniqueName } from "@parakey-bridge/testkit";
import { ConfigResourceTypes } from "kafkajs";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "./client.js";
import { BatchingProducer, type OutgoingRecord, RecordTooLargeError } from "./producer.js";

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/**
 * The producer against a real broker, with topics whose `max.message.bytes` is small enough that a
 * few coalesced records exceed it (what a burst of webhooks or a large poller page does to 1 MiB).
 */
describe("BatchingProducer never fails unrelated records together", () => {
  const kafka = createKafka(
    { brokers: testKafkaBrokers(), clientId: uniqueName("producer-int"), ssl: false },
    log,
  );
  const admin = kafka.admin();
  const created: string[] = [];

  const smallTopic = async (maxMessageBytes: number, partitions = 2): Promise<string> => {
    const topic = uniqueName("small-batches");
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: [{ name: "max.message.bytes", value: String(maxMessageBytes) }],
        },
      ],
    });
    created.push(topic);
    return topic;
  };
  const record = (topic: string, i: number, bytes = 500): OutgoingRecord => ({
    topic,
    key: `dev_${i % 2}`,
    value: Buffer.alloc(bytes, 97 + (i % 26)),
  });
  const producerFor = (topics: string[], sendTimeoutMs = 20_000) =>
    new BatchingProducer(kafka, { log, registry: new Registry(), lingerMs: 20, sendTimeoutMs, topics });

  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  it("stores a coalesced burst larger than the topic's max.message.bytes, in requests under it", async () => {
    const topic = await smallTopic(4_096);
    const producer = producerFor([topic]);
    await producer.start();
    try {
      // 40 × 500 B arrive together: one request would carry ~10 KB per partition.
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) => producer.send(record(topic, i))),
      );
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    } finally {
      await producer.stop();
    }
    expect(await topicSize(kafka, topic)).toBe(40);
  });

  it("rejects only the record too large for its topic; the records batched with it are stored", async () => {
    const topic = await smallTopic(4_096);
    const producer = producerFor([topic]);
    await producer.start();
    try {
      const small = Array.from({ length: 6 }, (_, i) => producer.send(record(topic, i, 200)));
      const large = producer.send(record(topic, 99, 8_000));
      const results = await Promise.allSettled([...small, large]);
      expect(results.slice(0, 6).every((r) => r.status === "fulfilled")).toBe(true);
      const refused = results[6];
      expect(refused?.status).toBe("rejected");
      const error = refused?.status === "rejected" ? refused.reason : undefined;
      expect(error).toBeInstanceOf(RecordTooLargeError);
      expect(error).toMatchObject({ code: "record_too_large", retryable: false, topic });
    } finally {
      await producer.stop();
    }
    expect(await topicSize(kafka, topic)).toBe(6);
  });

  it("splits and retries when the broker answers MESSAGE_TOO_LARGE (the limit was lowered after start)", async () => {
    const topic = await smallTopic(1_048_588);
    const producer = producerFor([topic]);
    await producer.start();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configEntries: [{ name: "max.message.bytes", value: "4096" }],
          },
        ],
      });
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) => producer.send(record(topic, i))),
      );
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      // A record alone over the new limit is answered as too large, not as Kafka being unavailable.
      await expect(producer.send(record(topic, 7, 6_000))).rejects.toBeInstanceOf(RecordTooLargeError);
    } finally {
      await producer.stop();
    }
    expect(await topicSize(kafka, topic)).toBe(30);
  });
});
