import { setTimeout as sleep } from "node:timers/promises";
import { LocalKafka, uniqueName, waitUntil } from "@parakey-bridge/testkit";
import type { Kafka } from "kafkajs";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "../client.js";
import { BatchingProducer } from "../producer.js";
import { ConsumerRunner } from "./runner.js";
import type { ConsumerSink, InboundRecord } from "./types.js";

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

// A private broker this test stops for longer than kafkajs's retries last (8 retries, at most
// 10 s apart: about 40 s); the shared broker other tests use is never touched.
const broker = new LocalKafka(Number(process.env.PB_TEST_CONSUMER_OUTAGE_KAFKA_PORT ?? 20200));
const OUTAGE_MS = 75_000;

/** Keeps what it was given, once per value (the consumer is at-least-once). */
class SetSink implements ConsumerSink<string> {
  readonly name = "set";
  readonly values = new Set<string>();
  async write(records: readonly InboundRecord<string>[]) {
    for (const record of records) this.values.add(record.value);
    return undefined;
  }
  async probe() {
    return true;
  }
}

async function produce(kafka: Kafka, topic: string, values: string[]): Promise<void> {
  const producer = new BatchingProducer(kafka, { log, registry: new Registry() });
  await producer.start();
  try {
    await producer.send(values.map((value, i) => ({ topic, key: `k${i % 3}`, value: Buffer.from(value) })));
  } finally {
    await producer.stop();
  }
}

describe("a consumer through a long broker outage (issue 13, item 6)", () => {
  beforeAll(async () => {
    await broker.start({ fresh: true });
  }, 180_000);
  afterAll(async () => {
    await broker.stop();
  }, 120_000);

  it("stays alive and not ready while the broker is gone longer than kafkajs retries, reconnects by itself and processes everything, never fatal", async () => {
    const kafka = createKafka({ brokers: [broker.brokers], clientId: uniqueName("outage"), ssl: false }, log);
    const topic = uniqueName("consumer-outage");
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    });
    await admin.disconnect();
    const before = Array.from({ length: 50 }, (_, i) => `before-${i}`);
    const after = Array.from({ length: 50 }, (_, i) => `after-${i}`);
    await produce(kafka, topic, before);

    const sink = new SetSink();
    const fatal: Error[] = [];
    const runner = new ConsumerRunner<string>({
      kafka,
      group: uniqueName("outage"),
      topics: [topic],
      decode: (value) => ({ ok: true, value: value?.toString() ?? "" }),
      sink,
      log,
      registry: new Registry(),
      heartbeatIntervalMs: 1_000,
      sessionTimeoutMs: 10_000,
      livenessTimeoutMs: 20_000,
      reconnectDelayMs: 500,
      onFatal: (error) => fatal.push(error),
    });
    await runner.start();
    try {
      await waitUntil(
        "the records before the outage are processed",
        () => sink.values.size === before.length,
      );
      expect(await runner.check.ready?.()).toBe(true);

      await broker.stop();
      const stoppedAt = Date.now();
      await waitUntil(
        "the consumer reports itself not ready",
        async () => !(await runner.check.ready?.()),
        60_000,
      );
      // Alive the whole time: Kubernetes must not restart it for an outage it cannot cure.
      while (Date.now() - stoppedAt < OUTAGE_MS) {
        expect(runner.check.live?.(), `alive ${Date.now() - stoppedAt} ms into the outage`).toBe(true);
        expect(fatal).toEqual([]);
        await sleep(1_000);
      }

      await broker.start();
      await produce(kafka, topic, after);
      await waitUntil(
        "every record is processed",
        () => sink.values.size === before.length + after.length,
        120_000,
      );
      await waitUntil("ready again", async () => (await runner.check.ready?.()) === true, 60_000);
      expect(runner.check.live?.()).toBe(true);
      expect(fatal).toEqual([]);
    } finally {
      await runner.stop();
    }
  }, 420_000);
});
