import { ROOT_CONTEXT } from "@opentelemetry/api";
import {
  type DoorEvent,
  deadLetterTopic,
  decodeDoorEvent,
  doorEventReceivedAt,
  doorEventRecord,
} from "@parakey-bridge/contracts";
import { doorEventFixture, redelivered } from "@parakey-bridge/contracts/testing";
import {
  ConsumerRunner,
  type ConsumerRunnerOptions,
  type ConsumerSink,
  type InboundRecord,
  type Kafka,
  redriveTopic,
} from "@parakey-bridge/kafka";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { type Db, migrate, PostgresDb } from "@parakey-bridge/storage";
import {
  caughtUp,
  it as harnessIt,
  type RunningService,
  type ServiceDeps,
  testLog,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import { ChainVerifier } from "./chain/verify.js";
import { AuditStore } from "./store/audit-store.js";
import { auditMigrations } from "./store/migrations.js";

// The audit's own test fixtures (not part of the build), on top of the testkit's harness.

/** A valid DoorEvent as the ingress would produce it. */
export function doorEvent(index: number, options: { devices?: number; domains?: number } = {}): DoorEvent {
  const devices = options.devices ?? 20;
  const domains = options.domains ?? 4;
  const timestamp = new Date(Date.UTC(2026, 10, 23, 8, 0, 0) + index * 1_000);
  return doorEventFixture({
    id: `el_${index}`,
    deviceId: `dev_${index % devices}`,
    domainId: `dom_${index % domains}`,
    userId: `usr_${index % 7}`,
    success: index % 10 !== 0,
    occurredAt: timestamp,
    delayMs: 1_000,
    via: index % 3 === 0 ? "poll" : "webhook",
  });
}

/**
 * The produced stream of `count` events, each delivered 1–3 times (deterministic), with the
 * repeats later in the stream as webhook retries and poll overlaps make them.
 */
export function deliveries(count: number): { events: DoorEvent[]; stream: DoorEvent[] } {
  const events = Array.from({ length: count }, (_, i) => doorEvent(i));
  return { events, stream: redelivered(events) };
}

/**
 * `events` as the consumer hands them to the store: read from partition 0 of the event-log topic
 * from offset 0 on, all in one trace.
 */
export function inboundRecords(events: DoorEvent[]): InboundRecord<DoorEvent>[] {
  return events.map((value, i) => ({
    topic: "parakey.event-logs.v1",
    partition: 0,
    offset: String(i),
    key: value.deviceId,
    value,
    headers: {},
    timestamp: "0",
    traceContext: ROOT_CONTEXT,
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  }));
}

/** The audit schema, migrated, in the database at `url`. */
export async function auditDb(url: string): Promise<PostgresDb> {
  const db = new PostgresDb({ url, schema: "audit", log: testLog });
  await migrate(db, auditMigrations, testLog);
  return db;
}

/** How a test varies the audit consumer: its group and topic, a sink around the real one, runner options. */
export interface PipelineOptions {
  group: string;
  topic: string;
  sink?: (inner: ConsumerSink<DoorEvent>) => ConsumerSink<DoorEvent>;
  runner?: Partial<ConsumerRunnerOptions<DoorEvent>>;
}

export interface Pipeline {
  runner: ConsumerRunner<DoorEvent>;
  store: AuditStore;
  verifier: ChainVerifier;
}

/** The audit consumer in this process, as the service wires it: the runtime and the audit store. */
export function auditPipeline(
  deps: ServiceDeps,
  options: PipelineOptions & { kafka: Kafka; db: Db },
): Pipeline {
  const store = new AuditStore(options.db, { group: options.group });
  const runner = new ConsumerRunner<DoorEvent>({
    kafka: options.kafka,
    group: options.group,
    topics: [options.topic],
    decode: decodeDoorEvent,
    sink: options.sink ? options.sink(store) : store,
    log: deps.log,
    registry: deps.registry,
    receivedAt: doorEventReceivedAt,
    heartbeatIntervalMs: 1_000,
    sessionTimeoutMs: 10_000,
    retry: { initialMs: 50, maxMs: 500 },
    probeIntervalMs: 200,
    onFatal: deps.onFatal,
    ...options.runner,
  });
  return { runner, store, verifier: new ChainVerifier(options.db) };
}

/** A started audit consumer: its parts, its registry, its fatal errors, and `stop()`. */
export type RunningPipeline = Pipeline & Omit<RunningService<Pipeline>, "service">;

/** A test's own event-log topic and the audit group that reads it. */
export interface EventTopic {
  topic: string;
  group: string;
  /** Produces `events` onto the topic, keyed by device as the ingress does, in the active trace context. */
  produce(events: readonly DoorEvent[]): Promise<void>;
}

/** An audit store holding events, in the test's own database. */
export interface StoredEvents {
  db: PostgresDb;
  store: AuditStore;
  verifier: ChainVerifier;
}

/**
 * The testkit's `it` with the audit's fixtures, each cleaned up when the test ends:
 * - `db`: the audit schema in the test's own database;
 * - `eventTopic(name, partitions)`: a fresh topic and a fresh audit group (its dead-letter and
 *   redrive topics deleted at the end), with `produce(events)` onto the topic;
 * - `startPipeline`: starts the audit consumer on the test's broker and database (stopped at the end);
 * - `consumeToEnd`: starts it, waits until its group has read its topic to the end, stops it, and
 *   returns it stopped (its registry, store and verifier still readable);
 * - `storeEvents(events)`: an audit store in `db` holding `events`, appended as the consumer would.
 */
export const it = harnessIt.extend<{
  db: PostgresDb;
  eventTopic: (name: string, partitions: number) => Promise<EventTopic>;
  startPipeline: (options: PipelineOptions) => Promise<RunningPipeline>;
  consumeToEnd: (options: PipelineOptions) => Promise<RunningPipeline>;
  storeEvents: (events: DoorEvent[]) => Promise<StoredEvents>;
}>({
  db: async ({ database, harness }, use) => {
    const db = await auditDb(database.url);
    harness.onClose(() => db.close());
    await use(db);
  },
  eventTopic: async ({ kafka, topics }, use) =>
    use(async (name, partitions) => {
      const topic = await topics.create(name, partitions);
      const group = uniqueName(`audit-${name}`);
      topics.deleteAtEnd(deadLetterTopic(group), redriveTopic(group));
      return {
        topic,
        group,
        produce: (events) =>
          produceAll(
            kafka,
            events.map((event) => doorEventRecord(event, topic)),
          ),
      };
    }),
  startPipeline: async ({ kafka, db, services, topics }, use) =>
    use(async (options) => {
      topics.deleteAtEnd(deadLetterTopic(options.group), redriveTopic(options.group));
      const { service, ...running } = await services.start(
        (deps) => auditPipeline(deps, { ...options, kafka, db }),
        (pipeline) => pipeline.runner,
      );
      return { ...service, ...running };
    }),
  consumeToEnd: async ({ kafka, startPipeline }, use) =>
    use(async (options) => {
      const pipeline = await startPipeline(options);
      try {
        await waitUntil("the group consumed the topic", () =>
          caughtUp(kafka, options.group, [options.topic]),
        );
      } finally {
        await pipeline.stop();
      }
      return pipeline;
    }),
  storeEvents: async ({ db }, use) =>
    use(async (events) => {
      const store = new AuditStore(db, { group: "audit" });
      await store.append(inboundRecords(events));
      return { db, store, verifier: new ChainVerifier(db) };
    }),
});

export async function countRows(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM audit_events");
  return Number(rows[0]?.n ?? 0);
}
