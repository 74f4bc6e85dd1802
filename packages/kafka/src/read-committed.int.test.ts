import { createTopic, testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import type { Kafka, Producer } from "kafkajs";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createKafka } from "./client.js";
import { restorePartitions } from "./state-restore.js";

// Two transactional writers interleave on one partition and both abort: what the exactly-once
// stream's output and state topics hold after replicas fence each other. A read_committed reader
// (the stream's own restore, every team reading its output) must see none of their records.
// kafkajs 2.2.4 let some through (patches/kafkajs@2.2.4.patch, filterAbortedMessages).

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

function kafkaClient(): Kafka {
  return createKafka(
    { brokers: testKafkaBrokers(), clientId: uniqueName("read-committed"), ssl: false },
    log,
  );
}

async function transactionalProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    transactionalId: uniqueName("writer"),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  return producer;
}

/**
 * Writes, on partition 0 of `topic`: X's first record, then Y's two, then X's second (offsets 0–3),
 * aborts both in the order given, then commits one record of a third writer.
 */
async function interleavedAborts(kafka: Kafka, topic: string, abortFirst: "x" | "y"): Promise<void> {
  const [x, y, z] = await Promise.all([
    transactionalProducer(kafka),
    transactionalProducer(kafka),
    transactionalProducer(kafka),
  ]);
  try {
    const tx = await x.transaction();
    const ty = await y.transaction();
    const send = (transaction: typeof tx, value: string) =>
      transaction.send({ topic, messages: [{ key: value, value, partition: 0 }] });
    await send(tx, "x-aborted-1");
    await send(ty, "y-aborted-1");
    await send(ty, "y-aborted-2");
    await send(tx, "x-aborted-2");
    const [first, second] = abortFirst === "x" ? [tx, ty] : [ty, tx];
    await first.abort();
    await second.abort();
    const tz = await z.transaction();
    await send(tz, "committed");
    await tz.commit();
  } finally {
    await Promise.all([x.disconnect(), y.disconnect(), z.disconnect()]);
  }
}

/** The values a read_committed member of a fresh group reads from `offset` of partition 0 to the end. */
async function readCommittedFrom(kafka: Kafka, topic: string, offset: string): Promise<string[]> {
  const groupId = uniqueName("reader");
  const admin = kafka.admin();
  await admin.connect();
  let end: bigint;
  try {
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset }] });
    const offsets = await admin.fetchTopicOffsets(topic);
    end = BigInt(offsets.find((p) => p.partition === 0)?.high ?? "0");
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
  const values: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${topic} not read to ${end}`)), 30_000);
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (BigInt(payload.lastOffset) + 1n >= end) resolve();
      });
      void consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) values.push(message.value?.toString() ?? "");
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return values;
}

describe("read_committed readers of a topic with interleaved aborted transactions", () => {
  it("the state restore sees no record of two overlapping transactions aborted in the reverse order they began", async () => {
    const kafka = kafkaClient();
    const topic = await createTopic(kafka, "aborts-reversed", 1);
    // The broker lists aborted transactions in the order they ended: Y (began at 1) before X (began at 0).
    await interleavedAborts(kafka, topic, "y");
    const restored: string[] = [];
    await restorePartitions(kafka, topic, [0], (_, key) => restored.push(key), {
      log,
      groupPrefix: uniqueName("restore"),
    });
    expect(restored).toEqual(["committed"]);
  });

  it("a reader resuming inside two aborted transactions sees none of their records", async () => {
    const kafka = kafkaClient();
    const topic = await createTopic(kafka, "aborts-resumed", 1);
    await interleavedAborts(kafka, topic, "x");
    // Offset 2 is Y's second record: both aborted transactions began before the fetch position.
    expect(await readCommittedFrom(kafka, topic, "2")).toEqual(["committed"]);
  });
});
