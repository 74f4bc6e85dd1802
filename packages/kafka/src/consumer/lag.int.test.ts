import { metricSamples, testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { Partitioners } from "kafkajs";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createKafka } from "../client.js";
import { ConsumerLag } from "./lag.js";

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** `bridge_consumer_lag` per partition of `topic`, as a scrape of the registry shows it. */
async function scrapedLag(registry: Registry, group: string, topic: string): Promise<Map<string, number>> {
  const lags = (await metricSamples(registry)).filter(
    (s) => s.name === "bridge_consumer_lag" && s.labels.group === group && s.labels.topic === topic,
  );
  return new Map(lags.map((s) => [s.labels.partition as string, s.value]));
}

describe("bridge_consumer_lag", () => {
  it("is each partition's high watermark minus the group's committed offset, read from the broker on scrape", async () => {
    const kafka = createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName("lag"), ssl: false }, log);
    const topic = uniqueName("lag");
    const group = uniqueName("lag-group");
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const registry = new Registry();
    // No consumer runs at all: the figures can only come from the broker.
    const lag = new ConsumerLag(kafka, group, () => [topic], registry, log, 0);
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: 2, replicationFactor: 1 }],
      });
      await producer.send({
        topic,
        messages: [
          ...Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `p0-${i}` })),
          ...Array.from({ length: 3 }, (_, i) => ({ partition: 1, value: `p1-${i}` })),
        ],
      });
      await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: "2" }] });

      // Partition 1 has no committed offset: everything retained counts.
      expect(await scrapedLag(registry, group, topic)).toEqual(
        new Map([
          ["0", 3],
          ["1", 3],
        ]),
      );

      await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 1, offset: "3" }] });
      await producer.send({ topic, messages: [{ partition: 0, value: "p0-5" }] });
      expect(await scrapedLag(registry, group, topic)).toEqual(
        new Map([
          ["0", 4],
          ["1", 0],
        ]),
      );
    } finally {
      await lag.close();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
