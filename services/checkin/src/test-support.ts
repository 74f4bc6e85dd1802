import {
  type DoorEvent,
  doorEventHeaders,
  encodeDoorEvent,
  normalizeEventLog,
} from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { BatchingProducer, createKafka, type Kafka, type OutgoingRecord } from "@parakey-bridge/kafka";
import { testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";

// Helpers for the check-in service's integration tests (not part of the build).

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

export function testKafka(): Kafka {
  return createKafka(
    { brokers: testKafkaBrokers(), clientId: uniqueName("checkin-test"), ssl: false },
    silentLog,
  );
}

/** A fresh topic with `partitions` partitions. */
export async function createTopic(kafka: Kafka, prefix: string, partitions = 3): Promise<string> {
  const topic = uniqueName(prefix);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/** Deletes the topics a test created (and the group's dead-letter and redrive topics). */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    await admin.deleteTopics({ topics: topics.filter((t) => existing.has(t)) });
  } finally {
    await admin.disconnect();
  }
}

/** A DoorEvent exactly as the ingress produces it, from a realistic Parakey payload. */
export function doorEvent(options: {
  id: string;
  domainId: string;
  userId: string | null;
  deviceId: string;
  success: boolean;
  occurredAt: string;
  delayMs?: number;
}): DoorEvent {
  const timestamp = new Date(options.occurredAt);
  const createdAt = new Date(timestamp.getTime() + (options.delayMs ?? 1_500));
  const result = normalizeEventLog(
    eventLogFixture({
      id: options.id,
      domainId: options.domainId,
      userId: options.userId,
      deviceId: options.deviceId,
      success: options.success,
      timestamp,
      createdAt,
    }),
    { via: "webhook", receivedAt: new Date(createdAt.getTime() + 200) },
  );
  if (!result.ok) throw new Error(result.rejection.detail);
  return result.event;
}

export function doorEventRecord(topic: string, event: DoorEvent): OutgoingRecord {
  return { topic, key: event.deviceId, value: encodeDoorEvent(event), headers: doorEventHeaders(event) };
}

/** Produces records in order, in batches. */
export async function produce(kafka: Kafka, records: OutgoingRecord[]): Promise<void> {
  const producer = new BatchingProducer(kafka, {
    log: silentLog,
    registry: new Registry(),
    lingerMs: 5,
    maxBatchRecords: 1_000,
    sendTimeoutMs: 30_000,
  });
  await producer.start();
  try {
    for (let i = 0; i < records.length; i += 2_000) await producer.send(records.slice(i, i + 2_000));
  } finally {
    await producer.stop();
  }
}

/** Polls `check` until it returns true; throws with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Whether the group committed everything on its topics (lag 0 as the broker sees it). */
export async function caughtUp(kafka: Kafka, group: string, topics: readonly string[]): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId: group, topics: [...topics] });
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const end of ends) {
        const offset = Number(mine.find((p) => p.partition === end.partition)?.offset ?? "-1");
        if (Number(end.high) > 0 && offset < Number(end.high)) return false;
      }
    }
    return true;
  } finally {
    await admin.disconnect();
  }
}

/** A counter's value in a registry, summed over the series matching `labels`. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) =>
      Object.entries(labels).every(([k, l]) => String((v.labels as Record<string, unknown>)[k]) === l),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

/** How many records a topic holds. */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}
