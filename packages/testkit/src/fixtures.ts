import { Kafka, logLevel } from "kafkajs";
import { type Logger, pino } from "pino";
import { Registry } from "prom-client";
import { test } from "vitest";
import { createTestDatabase, testKafkaBrokers, uniqueName } from "./isolation.js";
import { createTopic, deleteTopics } from "./kafka-topics.js";
import { type ServiceProcess, startServiceProcess } from "./service-process.js";

/** Silent unless TEST_LOG_LEVEL says otherwise (`TEST_LOG_LEVEL=debug` to see a failing test's story). */
export const testLog: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** A database of its own on the shared test server (see `createTestDatabase`). */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** What the harness hands a service factory: a fresh registry, the test log, a fatal-error trap. */
export interface ServiceDeps {
  log: Logger;
  registry: Registry;
  onFatal: (error: Error) => void;
}

/** A service as the harness drives it: what its composition root returns, with a lifecycle. */
export interface Startable {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
}

/** A service the harness started; stopped when the test ends unless the test stopped it. */
export interface RunningService<S> {
  service: S;
  registry: Registry;
  /** Errors the service declared fatal; a test of a healthy run expects none. */
  fatal: Error[];
  /** Stops the service (once; later calls wait for the same stop). */
  stop(): Promise<void>;
}

/** A kafkajs client for the shared test broker, quiet unless TEST_LOG_LEVEL says otherwise. */
export function testKafka(): Kafka {
  const log = testLog.child({ component: "kafkajs" });
  return new Kafka({
    clientId: uniqueName("test"),
    brokers: testKafkaBrokers(),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ log: { message, ...rest } }) =>
        log.debug(rest, message),
  });
}

/**
 * What one test (or one suite) made on the shared broker and server, undone at the end in the
 * order that keeps each step safe: services stop first (they hold connections), then what the test
 * opened itself is closed (`onClose`), then databases are dropped, then topics deleted. The `it` fixtures below are views of one harness per test; a
 * suite that shares a running service across its tests makes its own in `beforeAll`:
 *
 * @example
 * const harness = new TestHarness();
 * afterAll(() => harness.close());
 * beforeAll(async () => {
 *   const topic = await harness.topic("billing-events");
 *   const database = await harness.database();
 *   running = await harness.start((deps) => createBillingService(config(topic, database), deps));
 * });
 */
export class TestHarness {
  readonly kafka = testKafka();
  private readonly topics = new Set<string>();
  private readonly databases: TestDatabase[] = [];
  private readonly services: RunningService<unknown>[] = [];
  private readonly processes: ServiceProcess[] = [];
  private readonly closers: (() => Promise<unknown>)[] = [];

  /** A fresh topic named after `prefix`; deleted at the end. */
  async topic(prefix: string, partitions = 3): Promise<string> {
    const topic = await createTopic(this.kafka, prefix, partitions);
    this.topics.add(topic);
    return topic;
  }

  /** Topics the code under test creates (a group's dead-letter and redrive topics): deleted at the end. */
  deleteAtEnd(...topics: string[]): void {
    for (const topic of topics) this.topics.add(topic);
  }

  /** A fresh database; dropped at the end. */
  async database(): Promise<TestDatabase> {
    const database = await createTestDatabase();
    this.databases.push(database);
    return database;
  }

  /**
   * Builds a service with `create` (its composition root, given the harness's deps), starts it, and
   * stops it at the end. `lifecycleOf` finds what starts and stops it (`service.lifecycle` unless told).
   */
  async start<S>(
    create: (deps: ServiceDeps) => Promise<S> | S,
    lifecycleOf: (service: S) => Startable = (service) => (service as { lifecycle: Startable }).lifecycle,
  ): Promise<RunningService<S>> {
    const registry = new Registry();
    const fatal: Error[] = [];
    const service = await create({ log: testLog, registry, onFatal: (error) => fatal.push(error) });
    const lifecycle = lifecycleOf(service);
    let stopped: Promise<void> | undefined;
    const running: RunningService<S> = {
      service,
      registry,
      fatal,
      stop: () => {
        stopped ??= lifecycle.stop().then(() => undefined);
        return stopped;
      },
    };
    this.services.push(running);
    await lifecycle.start();
    return running;
  }

  /** Starts the built service in `serviceDir` as a process (see `startServiceProcess`); killed at the end. */
  spawn(serviceDir: string, env: Record<string, string>): ServiceProcess {
    const started = startServiceProcess(serviceDir, env);
    this.processes.push(started);
    return started;
  }

  /**
   * Runs `step` at the end, after the services stopped and before the databases are dropped: for
   * what a test opened itself (a pool to inspect the database). Later steps run first.
   */
  onClose(step: () => Promise<unknown>): void {
    this.closers.unshift(step);
  }

  /** Undoes everything, in order; every step runs even when an earlier one failed. */
  async close(): Promise<void> {
    const failures: unknown[] = [];
    const attempt = async (step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    };
    for (const running of this.services.reverse()) await attempt(() => running.stop());
    for (const { child, exited } of this.processes)
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    for (const step of this.closers) await attempt(step);
    for (const database of this.databases) await attempt(() => database.drop());
    if (this.topics.size > 0) await attempt(() => deleteTopics(this.kafka, [...this.topics]));
    if (failures.length > 0) throw new AggregateError(failures, "the test harness could not clean up");
  }
}

/** The topics of one test. */
export interface TopicsFixture {
  /** A fresh topic named after `prefix`; deleted when the test ends. */
  create(prefix: string, partitions?: number): Promise<string>;
  /** Topics the code under test creates; deleted when the test ends. */
  deleteAtEnd(...topics: string[]): void;
}

/** The services of one test. */
export interface ServicesFixture {
  /** Builds and starts a service with its composition root; stopped when the test ends. */
  start: TestHarness["start"];
  /** Starts a built service as a process; killed when the test ends if it still runs. */
  spawn: TestHarness["spawn"];
}

interface Fixtures {
  /** Everything below is a view of it; `harness.onClose` closes what a test opened itself. */
  harness: TestHarness;
  /** A kafkajs client for the shared broker. */
  kafka: Kafka;
  topics: TopicsFixture;
  /** A database of the test's own, migrated by whatever the test starts; dropped when it ends. */
  database: TestDatabase;
  services: ServicesFixture;
}

/**
 * vitest's `it` with the integration fixtures: each test that names one gets its own, cleaned up
 * when it ends (services stopped, then databases dropped, then topics deleted).
 *
 * @example
 * it("meters every unlock", async ({ kafka, topics, database, services }) => {
 *   const topic = await topics.create("billing-events");
 *   const { service, fatal } = await services.start((deps) => createBillingService(config, deps));
 * });
 */
export const it = test.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  harness: async ({}, use) => {
    const harness = new TestHarness();
    try {
      await use(harness);
    } finally {
      await harness.close();
    }
  },
  kafka: async ({ harness }, use) => use(harness.kafka),
  topics: async ({ harness }, use) =>
    use({
      create: (prefix, partitions) => harness.topic(prefix, partitions),
      deleteAtEnd: (...topics) => harness.deleteAtEnd(...topics),
    }),
  database: async ({ harness }, use) => use(await harness.database()),
  services: async ({ harness }, use) =>
    use({ start: harness.start.bind(harness), spawn: harness.spawn.bind(harness) }),
});
