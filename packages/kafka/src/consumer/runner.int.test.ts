import { testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createKafka } from "../client.js";
import { BatchingProducer } from "../producer.js";
import { ConsumerRunner } from "./runner.js";
import type { ConsumerSink, InboundRecord } from "./types.js";

const log = pino({ level: "silent" });

/** A sink that keeps its own offsets, as billing will (there in its database transaction). */
class OffsetKeepingSink implements ConsumerSink<string> {
  readonly name = "offset-keeping";
  readonly written: InboundRecord<string>[] = [];
  constructor(private readonly stored: Map<number, string>) {}
  async write(records: readonly InboundRecord<string>[]) {
    this.written.push(...records);
    const last = records[records.length - 1];
    if (last) this.stored.set(last.partition, (BigInt(last.offset) + 1n).toString());
    return undefined;
  }
  async probe() {
    return true;
  }
  async storedOffsets() {
    return new Map(this.stored);
  }
}

describe("ConsumerRunner with a sink that stores its own offsets", () => {
  it("resumes where the sink's store says on assignment, and still commits to Kafka for lag", async () => {
    const kafka = createKafka(
      { brokers: testKafkaBrokers(), clientId: uniqueName("runner"), ssl: false },
      log,
    );
    const topic = uniqueName("sink-offsets");
    const group = uniqueName("billing-like");
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    });
    const producer = new BatchingProducer(kafka, { log, registry: new Registry() });
    await producer.start();
    await producer.send(
      Array.from({ length: 10 }, (_, i) => ({ topic, key: "k", value: Buffer.from(`r${i}`) })),
    );
    await producer.stop();

    // The sink's database says offsets 0..5 are stored; Kafka has no commit for the group at all.
    const sink = new OffsetKeepingSink(new Map([[0, "6"]]));
    const runner = new ConsumerRunner<string>({
      kafka,
      group,
      topics: [topic],
      decode: (value) => ({ ok: true, value: value?.toString() ?? "" }),
      sink,
      log,
      registry: new Registry(),
      redrive: false,
      onFatal: (error) => {
        throw error;
      },
    });
    await runner.start();
    try {
      const deadline = Date.now() + 30_000;
      while (sink.written.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await runner.stop();
    }
    expect(sink.written.map((r) => [r.offset, r.value])).toEqual([
      ["6", "r6"],
      ["7", "r7"],
      ["8", "r8"],
      ["9", "r9"],
    ]);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: "10" })]);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
});
