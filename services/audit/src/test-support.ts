import {
  type DoorEvent,
  doorEventHeaders,
  encodeDoorEvent,
  normalizeEventLog,
} from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import {
  BatchingProducer,
  ConsumerRunner,
  type ConsumerRunnerOptions,
  type ConsumerSink,
  createKafka,
  doorEventDecoder,
  doorEventReceivedAt,
  type Kafka,
  type OutgoingRecord,
} from "@parakey-bridge/kafka";
import { type Db, migrate, PostgresDb } from "@parakey-bridge/storage";
import { testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { AuditSink } from "./audit-sink.js";
import { ChainVerifier } from "./chain/verify.js";
import { AuditStore } from "./store/audit-store.js";
import { auditMigrations } from "./store/migrations.js";

// Helpers for the audit service's integration tests (not part of the build).

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

export function testKafka(): Kafka {
  return createKafka(
    { brokers: testKafkaBrokers(), clientId: uniqueName("audit-test"), ssl: false },
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

/** A valid DoorEvent as the ingress would produce it. */
export function doorEvent(index: number, options: { devices?: number; domains?: number } = {}): DoorEvent {
  const devices = options.devices ?? 20;
  const domains = options.domains ?? 4;
  const timestamp = new Date(Date.UTC(2026, 10, 23, 8, 0, 0) + index * 1_000);
  const result = normalizeEventLog(
    eventLogFixture({
      id: `el_${index}`,
      deviceId: `dev_${index % devices}`,
      domainId: `dom_${index % domains}`,
      userId: `usr_${index % 7}`,
      success: index % 10 !== 0,
      timestamp,
    }),
    { via: index % 3 === 0 ? "poll" : "webhook", receivedAt: new Date(timestamp.getTime() + 2_000) },
  );
  if (!result.ok) throw new Error(result.rejection.detail);
  return result.event;
}

export function doorEventRecord(topic: string, event: DoorEvent): OutgoingRecord {
  return { topic, key: event.deviceId, value: encodeDoorEvent(event), headers: doorEventHeaders(event) };
}

/** Produces records in order, in batches (kafkajs would otherwise pay a round trip per record). */
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

/**
 * The produced stream of `count` events, each delivered 1–3 times (deterministic), with the
 * repeats later in the stream as webhook retries and poll overlaps make them.
 */
export function deliveries(count: number): { events: DoorEvent[]; stream: DoorEvent[] } {
  const events = Array.from({ length: count }, (_, i) => doorEvent(i));
  const stream: DoorEvent[] = [];
  const late: DoorEvent[] = [];
  for (const [i, event] of events.entries()) {
    stream.push(event);
    const extra = (i * 7919) % 3; // 0, 1 or 2 more copies
    if (extra >= 1) stream.push({ ...event, via: "poll" }); // poll overlap, right behind
    if (extra === 2) late.push(event); // a webhook retry, much later
  }
  return { events, stream: [...stream, ...late] };
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
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The audit store and verifier over a migrated database. */
export async function auditDb(url: string): Promise<Db> {
  const db = new PostgresDb({ url, schema: "audit", log: silentLog });
  await migrate(db, auditMigrations, silentLog);
  return db;
}

export interface Pipeline {
  runner: ConsumerRunner<DoorEvent>;
  store: AuditStore;
  verifier: ChainVerifier;
  registry: Registry;
  fatal: Error[];
}

/** The audit consumer in this process: the runtime, the audit store, a fresh registry. */
export function auditPipeline(options: {
  kafka: Kafka;
  db: Db;
  group: string;
  topic: string;
  sink?: (inner: ConsumerSink<DoorEvent>) => ConsumerSink<DoorEvent>;
  runner?: Partial<ConsumerRunnerOptions<DoorEvent>>;
}): Pipeline {
  const registry = new Registry();
  const store = new AuditStore(options.db, { group: options.group });
  const inner = new AuditSink(store, options.db);
  const fatal: Error[] = [];
  const runner = new ConsumerRunner<DoorEvent>({
    kafka: options.kafka,
    group: options.group,
    topics: [options.topic],
    decode: doorEventDecoder,
    sink: options.sink ? options.sink(inner) : inner,
    log: silentLog,
    registry,
    receivedAt: doorEventReceivedAt,
    heartbeatIntervalMs: 1_000,
    sessionTimeoutMs: 10_000,
    retry: { initialMs: 50, maxMs: 500 },
    probeIntervalMs: 200,
    onFatal: (error) => fatal.push(error),
    ...options.runner,
  });
  return { runner, store, verifier: new ChainVerifier(options.db), registry, fatal };
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

/** Records on a topic (high watermark sum). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** A metric's value from a registry (summed over label sets matching `labels`). */
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

export async function countRows(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM audit_events");
  return Number(rows[0]?.n ?? 0);
}
