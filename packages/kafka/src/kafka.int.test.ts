import { Topics } from "@parakey-bridge/contracts";
import { shutdownTelemetry, startTelemetry } from "@parakey-bridge/telemetry";
import { metricValue, testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "./client.js";
import { BatchingProducer } from "./producer.js";
import { readTopic } from "./testing.js";
import { bridgeTopicSpecs, ensureTopics } from "./topic-admin.js";

const log = pino({ level: "silent" });

describe("kafkajs against the real broker", () => {
  const kafka = createKafka(
    { brokers: testKafkaBrokers(), clientId: uniqueName("kafka-int"), ssl: false },
    log,
  );
  const topic = uniqueName("roundtrip");
  const admin = kafka.admin();

  beforeAll(async () => {
    startTelemetry({ serviceName: "kafka-int-test" });
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    });
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await shutdownTelemetry();
  });

  it("round-trips keyed records with headers, one key on one partition in order", async () => {
    const producer = new BatchingProducer(kafka, { log, registry: new Registry(), lingerMs: 5 });
    await producer.start();
    const sends = Array.from({ length: 30 }, (_, i) =>
      producer.send({
        topic,
        key: `device-${i % 3}`,
        value: Buffer.from(JSON.stringify({ seq: i })),
        headers: { ce_id: `el-${i}` },
      }),
    );
    await Promise.all(sends);
    await producer.stop();

    const records = await readTopic(kafka, topic, { count: 30 });
    expect(records).toHaveLength(30);
    for (const device of ["device-0", "device-1", "device-2"]) {
      const mine = records.filter((r) => r.key === device);
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      const seqs = mine.map((r) => JSON.parse(r.value?.toString() ?? "{}").seq as number);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    const first = records.find((r) => r.headers.ce_id === "el-0");
    expect(first?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });

  it("coalesces concurrent sends into fewer produce requests", async () => {
    const registry = new Registry();
    const producer = new BatchingProducer(kafka, { log, registry, lingerMs: 20 });
    await producer.start();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => producer.send({ topic, key: "k", value: Buffer.from(String(i)) })),
    );
    await producer.stop();
    const batches = await metricValue(registry, "bridge_kafka_produce_batch_size_count");
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(50);
  });

  it("commits a transaction that a read_committed consumer sees", async () => {
    const txTopic = uniqueName("tx");
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: txTopic, numPartitions: 1, replicationFactor: 1 }],
    });
    const producer = kafka.producer({
      transactionalId: uniqueName("txid"),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic: txTopic, messages: [{ key: "a", value: "committed" }] });
    await tx.commit();
    await producer.disconnect();
    const records = await readTopic(kafka, txTopic, { count: 1 });
    expect(records.map((r) => r.value?.toString())).toEqual(["committed"]);
  });

  it("ensureTopics creates the bridge's topics once and leaves them alone afterwards", async () => {
    const prefix = uniqueName("ensure");
    const specs = bridgeTopicSpecs({ partitions: 2, replicationFactor: 1, retentionMs: 3_600_000 }).map(
      (s) => ({
        ...s,
        topic: `${prefix}.${s.topic}`,
      }),
    );
    expect((await ensureTopics(kafka, specs, log)).sort()).toEqual(specs.map((s) => s.topic).sort());
    expect(await ensureTopics(kafka, specs, log)).toEqual([]);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2, name: `${prefix}.${Topics.pollerState}` }],
    });
    const cleanup = described.resources[0]?.configEntries.find((e) => e.configName === "cleanup.policy");
    expect(cleanup?.configValue).toBe("compact");
  });
});
