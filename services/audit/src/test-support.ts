import {
  type DoorEvent,
  decodeDoorEvent,
  doorEventReceivedAt,
  normalizeEventLog,
} from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import {
  ConsumerRunner,
  type ConsumerRunnerOptions,
  type ConsumerSink,
  createKafka,
  type Kafka,
} from "@parakey-bridge/kafka";
import { type Db, migrate, PostgresDb } from "@parakey-bridge/storage";
import { testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { ChainVerifier } from "./chain/verify.js";
import { AuditStore } from "./store/audit-store.js";
import { auditMigrations } from "./store/migrations.js";

// Helpers for the audit service's integration tests (not part of the build).

export { doorEventRecord } from "@parakey-bridge/contracts";
export { produceAll as produce } from "@parakey-bridge/kafka/testing";
export { caughtUp, createTopic, metricValue, topicSize, waitUntil } from "@parakey-bridge/testkit";

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

export function testKafka(): Kafka {
  return createKafka(
    { brokers: testKafkaBrokers(), clientId: uniqueName("audit-test"), ssl: false },
    silentLog,
  );
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
  const inner: ConsumerSink<DoorEvent> = store;
  const fatal: Error[] = [];
  const runner = new ConsumerRunner<DoorEvent>({
    kafka: options.kafka,
    group: options.group,
    topics: [options.topic],
    decode: decodeDoorEvent,
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

export async function countRows(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM audit_events");
  return Number(rows[0]?.n ?? 0);
}
