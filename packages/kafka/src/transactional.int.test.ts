import { createTopic, testKafkaBrokers, uniqueName, waitUntil } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createKafka } from "./client.js";
import { restorePartitions } from "./state-restore.js";
import { produceAll } from "./testing.js";
import { type PartitionProcessor, TransactionalStream } from "./transactional.js";

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** Copies each input record to `output` once per key, remembering the keys in the state topic. */
function copyOnce(output: string, seen: Set<string>): PartitionProcessor {
  return {
    restore: (key) => seen.add(key),
    process(records) {
      const fresh = records.filter((r) => r.key !== null && !seen.has(r.key));
      return {
        output: fresh.map((r) => ({ topic: output, key: r.key, value: r.value ?? Buffer.alloc(0) })),
        state: fresh.map((r) => ({ key: r.key as string, value: Buffer.from("1") })),
        committed: () => {
          for (const r of fresh) seen.add(r.key as string);
        },
      };
    },
  };
}

async function committedCount(kafka: ReturnType<typeof createKafka>, topic: string): Promise<number> {
  let count = 0;
  await restorePartitions(kafka, topic, [0], () => count++, { log, groupPrefix: uniqueName("count") });
  return count;
}

describe("TransactionalStream", () => {
  it("commits a backlog whose default-size chunk would exceed the broker's max message size", async () => {
    const kafka = createKafka(
      { brokers: testKafkaBrokers(), clientId: uniqueName("tx-stream"), ssl: false },
      log,
    );
    const [input, output, state] = await Promise.all([
      createTopic(kafka, "tx-in", 1),
      createTopic(kafka, "tx-out", 1),
      createTopic(kafka, "tx-state", 1),
    ]);
    // 1 500 records of 1 KiB on one partition: 1.5 MiB in one chunk of the default 2 000 records.
    const value = Buffer.alloc(1024, "x");
    await produceAll(
      kafka,
      Array.from({ length: 1_500 }, (_, i) => ({ topic: input, key: `k${i}`, value })),
    );
    let fatal: Error | undefined;
    const stream = new TransactionalStream({
      kafka,
      group: uniqueName("tx-group"),
      inputTopic: input,
      stateTopic: state,
      transactionalIdPrefix: uniqueName("tx"),
      createProcessor: () => copyOnce(output, new Set()),
      log,
      registry: new Registry(),
      sessionTimeoutMs: 6_000,
      onFatal: (error) => {
        fatal = error;
      },
    });
    await stream.start();
    try {
      await waitUntil(
        "the whole backlog is committed to the output",
        async () => fatal !== undefined || (await committedCount(kafka, output)) >= 1_500,
        { timeoutMs: 120_000, intervalMs: 1_000 },
      );
    } finally {
      await stream.stop();
    }
    expect(fatal).toBeUndefined();
    expect(await committedCount(kafka, output)).toBe(1_500);
    expect(await committedCount(kafka, state)).toBe(1_500);
  });
});
