import { deadLetterTopic } from "@parakey-bridge/contracts";
import { UnavailableError } from "@parakey-bridge/service-kit";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
import {
  createTopic,
  metricValue,
  testKafkaBrokers,
  topicSize,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import type { Kafka } from "kafkajs";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createKafka } from "../client.js";
import { BatchingProducer } from "../producer.js";
import { expectOneDeadLetter } from "../testing.js";
import { ConsumerRunner, type ConsumerRunnerOptions } from "./runner.js";
import type { ConsumerSink, InboundRecord, RecordDecoder, WriteOutcome } from "./types.js";

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** A sink that keeps no offsets: the group resumes from Kafka's committed offsets. */
class MemorySink implements ConsumerSink<string> {
  readonly name: string = "memory";
  readonly written: InboundRecord<string>[] = [];
  async write(records: readonly InboundRecord<string>[]): Promise<readonly WriteOutcome[] | undefined> {
    this.written.push(...records);
    return undefined;
  }
  async probe() {
    return true;
  }
}

/**
 * A sink that keeps its own offsets, as billing and check-in do (there in their database
 * transactions): `stored` outlives a runner, like the database outlives a pod.
 */
class OffsetKeepingSink extends MemorySink {
  override readonly name = "offset-keeping";
  constructor(readonly stored: Map<number, string>) {
    super();
  }
  override async write(records: readonly InboundRecord<string>[]) {
    await super.write(records);
    const last = records[records.length - 1];
    if (last) this.mark(last.partition, (BigInt(last.offset) + 1n).toString());
    return undefined;
  }
  async storedOffsets() {
    return new Map(this.stored);
  }
  async setStoredOffset(_topic: string, partition: number, nextOffset: string) {
    this.mark(partition, nextOffset);
  }
  private mark(partition: number, next: string) {
    this.stored.set(partition, next);
  }
}

/** Records whose value is "bad" fail the contract and are dead-lettered. */
const decodeText: RecordDecoder<string> = (value) => {
  const text = value?.toString() ?? "";
  return text === "bad" ? { ok: false, reason: "not a record we know" } : { ok: true, value: text };
};

function testKafka(): Kafka {
  return createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName("runner"), ssl: false }, log);
}

/** A fresh one-partition topic holding `values` (in order, one key), a client, and a fresh group name. */
async function topicWith(
  topicPrefix: string,
  groupPrefix: string,
  values: string[],
): Promise<{ kafka: Kafka; topic: string; group: string }> {
  const kafka = testKafka();
  const topic = await createTopic(kafka, topicPrefix, 1);
  const group = uniqueName(groupPrefix);
  await produce(kafka, topic, values);
  return { kafka, topic, group };
}

async function produce(kafka: Kafka, topic: string, values: string[]): Promise<void> {
  const producer = new BatchingProducer(kafka, { log, registry: new Registry() });
  await producer.start();
  try {
    await producer.send(values.map((value) => ({ topic, key: "k", value: Buffer.from(value) })));
  } finally {
    await producer.stop();
  }
}

async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    await admin.deleteTopics({ topics: topics.filter((t) => existing.has(t)) }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

async function committedOffset(kafka: Kafka, group: string, topic: string): Promise<string | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return committed?.partitions.find((p) => p.partition === 0)?.offset;
  } finally {
    await admin.disconnect();
  }
}

function runner(
  kafka: Kafka,
  group: string,
  topic: string,
  sink: ConsumerSink<string>,
  options: Partial<ConsumerRunnerOptions<string>> = {},
): ConsumerRunner<string> {
  return new ConsumerRunner<string>({
    kafka,
    group,
    topics: [topic],
    decode: decodeText,
    sink,
    log,
    registry: new Registry(),
    redrive: false,
    heartbeatIntervalMs: 1_000,
    sessionTimeoutMs: 10_000,
    retry: { initialMs: 50, maxMs: 500 },
    onFatal: (error) => {
      throw error;
    },
    ...options,
  });
}

describe("ConsumerRunner with a sink that stores its own offsets", () => {
  it("resumes where the sink's store says on assignment, and still commits to Kafka for lag", async () => {
    const kafka = testKafka();
    const topic = await createTopic(kafka, "sink-offsets", 1);
    const group = uniqueName("billing-like");
    await produce(
      kafka,
      topic,
      Array.from({ length: 10 }, (_, i) => `r${i}`),
    );

    // The sink's database says offsets 0..5 are stored; Kafka has no commit for the group at all.
    const sink = new OffsetKeepingSink(new Map([[0, "6"]]));
    const consumer = runner(kafka, group, topic, sink);
    await consumer.start();
    try {
      await waitUntil("the sink took the rest", () => sink.written.length >= 4);
      await waitUntil(
        "the group committed the end",
        async () => (await committedOffset(kafka, group, topic)) === "10",
      );
    } finally {
      await consumer.stop();
    }
    expect(sink.written.map((r) => [r.offset, r.value])).toEqual([
      ["6", "r6"],
      ["7", "r7"],
      ["8", "r8"],
      ["9", "r9"],
    ]);
    await deleteTopics(kafka, [topic, deadLetterTopic(group)]);
  });

  it("re-bases a stored offset beyond the partition's end (the topic was recreated) to its start, counts and stores it", async () => {
    const { kafka, topic, group } = await topicWith("sink-offsets-beyond", "recreated", ["r0", "r1", "r2"]);
    // The store remembers offset 50 of the topic's previous life.
    const sink = new OffsetKeepingSink(new Map([[0, "50"]]));
    const rebased = await rebasedWhileRunning(kafka, group, topic, sink, "beyond_end", [
      ["the sink took the new records", () => sink.written.length >= 3],
      ["the store's offset follows them", () => sink.stored.get(0) === "3"],
    ]);
    expect(sink.written.map((r) => r.value)).toEqual(["r0", "r1", "r2"]);
    expect(rebased).toBe(1);
    await deleteTopics(kafka, [topic, deadLetterTopic(group)]);
  });

  it("re-bases a stored offset before the partition's start (records deleted unread) to its start", async () => {
    const { kafka, topic, group } = await topicWith("sink-offsets-before", "expired", [
      "r0",
      "r1",
      "r2",
      "r3",
      "r4",
    ]);
    const admin = kafka.admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] }); // deleteTopicRecords needs it loaded
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: "3" }] });
    await admin.disconnect();
    const sink = new OffsetKeepingSink(new Map([[0, "1"]]));
    const rebased = await rebasedWhileRunning(kafka, group, topic, sink, "before_start", [
      ["the sink took the retained records", () => sink.written.length >= 2],
    ]);
    expect(sink.written.map((r) => r.value)).toEqual(["r3", "r4"]);
    expect(rebased).toBe(1);
    await deleteTopics(kafka, [topic, deadLetterTopic(group)]);
  });

  it("refuses a sink that resumes from its own offsets but cannot record a dead-lettered record's", () => {
    const kafka = testKafka();
    const sink: ConsumerSink<string> = {
      name: "half",
      write: async () => undefined,
      probe: async () => true,
      storedOffsets: async () => new Map(),
    };
    expect(() => runner(kafka, uniqueName("g"), "t", sink)).toThrow(/setStoredOffset/);
  });
});

/**
 * Runs `sink`'s consumer until each of `waits` held, in turn; resolves with how often the runner
 * re-based the sink's stored offset for `reason` meanwhile.
 */
async function rebasedWhileRunning(
  kafka: Kafka,
  group: string,
  topic: string,
  sink: OffsetKeepingSink,
  reason: "beyond_end" | "before_start",
  waits: [what: string, done: () => boolean][],
): Promise<number> {
  const registry = new Registry();
  const consumer = runner(kafka, group, topic, sink, { registry });
  await consumer.start();
  try {
    for (const [what, done] of waits) await waitUntil(what, done);
  } finally {
    await consumer.stop();
  }
  return metricValue(registry, "bridge_consumer_stored_offset_rebased_total", { group, reason });
}

/** An offset-keeping sink whose store is unreachable until the test brings it back. */
class OutageSink extends OffsetKeepingSink {
  down = false;
  passAttempts = 0;
  override async setStoredOffset(topic: string, partition: number, nextOffset: string) {
    this.passAttempts += 1;
    if (this.down) throw new UnavailableError("db_unavailable", "connection refused");
    await super.setStoredOffset(topic, partition, nextOffset);
  }
  override async probe() {
    return !this.down;
  }
}

describe("a dead-lettered last record of a batch", () => {
  it("waits for an unreachable store to take the offset past it, paused and not ready meanwhile", async () => {
    const { kafka, topic, group } = await topicWith("dlq-tail-outage", "dlq-tail-outage", ["r0"]);
    const sink = new OutageSink(new Map());
    const consumer = runner(kafka, group, topic, sink, { probeIntervalMs: 100 });
    await consumer.start();
    try {
      await waitUntil("r0 was written", () => sink.written.length === 1);
      sink.down = true;
      await produce(kafka, topic, ["bad"]);
      await waitUntil("storing the offset failed twice", () => sink.passAttempts >= 2);
      expect(await consumer.check.ready?.()).toBe(false);
      expect(sink.stored.get(0)).toBe("1");
      sink.down = false;
      await waitUntil("the offset passed the dead letter", () => sink.stored.get(0) === "2");
      await waitUntil("ready again", async () => (await consumer.check.ready?.()) === true);
      await waitUntil(
        "Kafka has the commit too",
        async () => (await committedOffset(kafka, group, topic)) === "2",
      );
    } finally {
      await consumer.stop();
    }
    expect(await topicSize(kafka, deadLetterTopic(group))).toBe(1);
    await deleteTopics(kafka, [topic, deadLetterTopic(group)]);
  });

  const sinks = {
    "a sink that stores its own offsets": () => new OffsetKeepingSink(new Map()),
    "a sink that resumes from Kafka's committed offsets": () => new MemorySink(),
  };
  for (const [kind, newSink] of Object.entries(sinks)) {
    it(`is dead-lettered once, though the group restarts right after it (${kind})`, async () => {
      const { kafka, topic, group } = await topicWith("dlq-tail", "dlq-tail", ["r0", "r1", "bad"]);

      const sink = newSink();
      const first = runner(kafka, group, topic, sink);
      await first.start();
      try {
        await waitUntil(
          "the bad record was dead-lettered",
          async () => (await topicSize(kafka, deadLetterTopic(group))) >= 1,
        );
        await waitUntil(
          "the group committed past it",
          async () => (await committedOffset(kafka, group, topic)) === "3",
        );
      } finally {
        await first.stop();
      }
      if (sink instanceof OffsetKeepingSink) expect(sink.stored.get(0)).toBe("3");

      // A new pod: the same store, the same group. A later record shows when it has read everything.
      await produce(kafka, topic, ["r3"]);
      const second = runner(kafka, group, topic, sink);
      await second.start();
      try {
        await waitUntil("the later record was written", () => sink.written.some((r) => r.value === "r3"));
      } finally {
        await second.stop();
      }
      expect(sink.written.map((r) => r.value)).toEqual(["r0", "r1", "r3"]);
      await expectOneDeadLetter(kafka, group, { topic, offset: "2", errorCode: "contract_violation" });
      await deleteTopics(kafka, [topic, deadLetterTopic(group)]);
    });
  }
});

/** A sink whose writes hang until the test lets them finish, like a database call that never returns. */
class HangingSink extends MemorySink {
  calls = 0;
  private release: (() => void) | undefined;
  private readonly released = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  override async write(records: readonly InboundRecord<string>[]) {
    this.calls += 1;
    await this.released;
    return super.write(records);
  }
  finish() {
    this.release?.();
  }
}

describe("ConsumerRunner health", () => {
  it("fails liveness while a sink write hangs, though it keeps the group membership, and recovers when it returns", async () => {
    const { kafka, topic, group } = await topicWith("hang", "hang", ["r0"]);
    const sink = new HangingSink();
    const consumer = runner(kafka, group, topic, sink, { livenessTimeoutMs: 3_000 });
    await consumer.start();
    try {
      await waitUntil("the sink was called", () => sink.calls === 1);
      await waitUntil("liveness failed", async () => !(await consumer.check.live?.()));
      // Still a member: the write's heartbeats kept it from being evicted, so nothing else got the partition.
      expect(await consumer.check.ready?.()).toBe(true);
      sink.finish();
      await waitUntil("the record was written", () => sink.written.length === 1);
      await waitUntil("liveness is back", async () => (await consumer.check.live?.()) === true);
    } finally {
      sink.finish();
      await consumer.stop();
    }
    await deleteTopics(kafka, [topic, deadLetterTopic(group)]);
  });

  it("reports a consumer loop that crashed (kafkajs does not restart it) as fatal and not live", async () => {
    const { kafka, topic, group } = await topicWith("crash", "crash", ["r0"]);
    const fatal: Error[] = [];
    const consumer = runner(kafka, group, topic, new MemorySink(), {
      // A bug in the service's code that escapes the loop: kafkajs treats a TypeError as unrecoverable.
      receivedAt: () => {
        throw new TypeError("cannot read properties of undefined (reading 'receivedAt')");
      },
      onFatal: (error) => fatal.push(error),
    });
    await consumer.start();
    try {
      await waitUntil("onFatal was called", () => fatal.length > 0);
      expect(fatal).toHaveLength(1);
      expect(String(fatal[0]?.message)).toContain("reading 'receivedAt'");
      expect(await consumer.check.live?.()).toBe(false);
      expect(await consumer.check.ready?.()).toBe(false);
      // The failure came after the sink had stored the record: it is no reason to dead-letter it.
      expect(await topicSize(kafka, deadLetterTopic(group))).toBe(0);
    } finally {
      await consumer.stop();
    }
    await deleteTopics(kafka, [topic, deadLetterTopic(group)]);
  });
});

describe("ConsumerRunner shutdown", () => {
  it("on stop, finishes the write in flight, commits its offset and starts nothing more", async () => {
    const { kafka, topic, group } = await topicWith("stop", "stop", ["r0", "r1", "r2"]);
    const sink = new HangingSink();
    const consumer = runner(kafka, group, topic, sink, { maxBatchRecords: 1 });
    await consumer.start();
    let stopped = false;
    try {
      await waitUntil("the first write is in flight", () => sink.calls === 1);
      const stopping = consumer.stop().then(() => {
        stopped = true;
      });
      // SIGTERM came in the middle of a write: the runner waits for it instead of abandoning it.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(stopped).toBe(false);
      sink.finish();
      await stopping;
    } finally {
      sink.finish();
      if (!stopped) await consumer.stop();
    }
    expect(sink.written.map((r) => r.value)).toEqual(["r0"]);
    expect(sink.calls).toBe(1);
    expect(await committedOffset(kafka, group, topic)).toBe("1");
    await deleteTopics(kafka, [topic, deadLetterTopic(group)]);
  });
});

/** A sink that reports every second record as an event it already holds. */
class DuplicateReportingSink extends MemorySink {
  override async write(records: readonly InboundRecord<string>[]) {
    await super.write(records);
    return records.map((r): WriteOutcome => (Number(r.offset) % 2 === 1 ? "duplicate" : "stored"));
  }
}

describe("ConsumerRunner metrics", () => {
  it("counts outcomes and duplicates, times each record, and measures end-to-end latency of stored records by its clock", async () => {
    const { kafka, topic, group } = await topicWith("metrics", "metrics", ["r0", "r1", "r2", "r3", "bad"]);
    const clock = new ManualClock(new Date("2026-11-23T08:00:00.000Z"));
    const registry = new Registry();
    const sink = new DuplicateReportingSink();
    const consumer = runner(kafka, group, topic, sink, {
      clock,
      registry,
      // Every event reached the bridge 42 s before the runner's (frozen) clock.
      receivedAt: () => clock.nowMs() - 42_000,
    });
    await consumer.start();
    try {
      await waitUntil(
        "the group committed the end",
        async () => (await committedOffset(kafka, group, topic)) === "5",
      );
    } finally {
      await consumer.stop();
    }
    const processed = (outcome: string) =>
      metricValue(registry, "bridge_consumer_records_processed_total", { group, outcome });
    expect(await processed("stored")).toBe(2);
    expect(await processed("duplicate")).toBe(2);
    expect(await processed("dead_lettered")).toBe(1);
    expect(await metricValue(registry, "bridge_consumer_duplicates_total", { group })).toBe(2);
    expect(await metricValue(registry, "bridge_consumer_dlq_records_total", { group })).toBe(1);
    expect(await metricValue(registry, "bridge_consumer_retries_total", { group })).toBe(0);
    const histogram = async (name: string) => ({
      count: await metricValue(registry, `${name}_count`, { group }),
      sum: await metricValue(registry, `${name}_sum`, { group }),
    });
    expect((await histogram("bridge_consumer_processing_duration_seconds")).count).toBe(4);
    // Only newly stored records: a duplicate's latency would say nothing about the pipeline.
    expect(await histogram("bridge_consumer_end_to_end_latency_seconds")).toEqual({ count: 2, sum: 84 });
    await deleteTopics(kafka, [topic, deadLetterTopic(group)]);
  });
});
