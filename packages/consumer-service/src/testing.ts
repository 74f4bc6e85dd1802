import { type DoorEvent, deadLetterTopic, doorEventRecord } from "@parakey-bridge/contracts";
import { doorEventFixture } from "@parakey-bridge/contracts/testing";
import { redriveTopic } from "@parakey-bridge/kafka";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { systemClock } from "@parakey-bridge/service-kit";
import { type Migration, migrate, PgliteDb, PostgresDb, SinkOffsets } from "@parakey-bridge/storage";
import {
  caughtUp,
  consumerServiceEnv,
  metricValue,
  type RunningService,
  recreateTopic,
  type TestDatabase,
  type TestHarness,
  testLog,
  topicSize,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import type { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import type { ConsumerService, RunningConsumerService } from "./consumer-service.js";
import type { ConsumerServiceConfig } from "./env.js";

// What the tests of every consumer service on the template share: an embedded database per unit-test
// file, and the integration scenarios each service must pass (billing and check-in run them; each adds
// what its own store must show). Source only: not part of the package's build.

/** Opening embedded PostgreSQL (WebAssembly) takes seconds of CPU when the machine is busy. */
const EMBEDDED_DB_SETUP_MS = 60_000;

/**
 * One embedded PostgreSQL (PGlite) for the unit tests of a file, in the service's schema and migrated:
 * opened once before them (opening one costs a second of CPU), `ready` then builds what the tests use;
 * the tables in `truncate` are emptied before each test, so each starts empty; closed after the file.
 *
 * @example
 * let store: UsageStore;
 * embeddedDatabasePerFile({ schema: "billing", migrations: billingMigrations, truncate: ["usage_meters"] }, (db) => {
 *   store = new UsageStore(db, zones, "billing");
 * });
 */
export function embeddedDatabasePerFile(
  options: { schema: string; migrations: readonly Migration[]; truncate?: readonly string[] },
  ready: (db: PgliteDb) => Promise<void> | void,
): void {
  let db: PgliteDb | undefined;
  beforeAll(async () => {
    db = await PgliteDb.open({ schema: options.schema });
    await migrate(db, options.migrations, testLog);
    await ready(db);
  }, EMBEDDED_DB_SETUP_MS);
  const { truncate = [] } = options;
  if (truncate.length > 0) beforeEach(() => db?.exec(`TRUNCATE ${truncate.join(", ")}`));
  afterAll(() => db?.close());
}

/**
 * The tests of what a consumer service's configuration takes from the template, run against the
 * service's own loader: the group the Helm chart names (`parakey-bridge-<service>`), and an API that
 * will not start without authentication unless explicitly waived.
 *
 * @example
 * describe("loadBillingConfig", () => {
 *   itTakesTheConsumerServiceConfig("billing", loadBillingConfig);
 * });
 */
export function itTakesTheConsumerServiceConfig(
  service: string,
  load: (env: Record<string, string>) => ConsumerServiceConfig,
): void {
  it(`joins the group the Helm chart names, parakey-bridge-${service}, unless KAFKA_GROUP_ID says otherwise`, () => {
    const waived = { AUTH_DISABLED: "true" };
    expect(load(waived).consumer.group).toBe(`parakey-bridge-${service}`);
    expect(load({ ...waived, KAFKA_GROUP_ID: `${service}-eu` }).consumer.group).toBe(`${service}-eu`);
  });

  it("refuses to start without API authentication unless waived, and reads API keys", () => {
    expect(() => load({})).toThrow(/no API authentication configured/);
    const hash = "a".repeat(64);
    expect(load({ API_KEYS: `ci:${hash}:reader` }).auth.apiKeys).toEqual([
      { id: "ci", sha256: hash, roles: ["reader"] },
    ]);
  });
}

/** How `unlockSeries` spreads its unlocks over time, domains, people and doors. */
export interface UnlockSpread {
  /** The first unlock's time, and the minutes from one to the next. */
  from: string;
  everyMinutes: number;
  /** Unlock i is in `domains[i % domains.length]`, */
  domains: readonly string[];
  /** by `usr_${(i * step) % count}`, or by nobody (a PIN code) when i is a multiple of `anonymousEvery`, */
  people: { count: number; step: number; anonymousEvery?: number };
  /** at `dev_${(i * step) % count}`, */
  doors: { count: number; step?: number };
  /** and fails when i is a multiple of `failedEvery`. */
  failedEvery: number;
  /** Its event log id is `${idPrefix}${i}`: `el_` unless told. */
  idPrefix?: string;
}

/**
 * `count` unlocks as a busy site makes them, the same on every run: the stream the consumer services'
 * integration tests feed and count independently.
 *
 * @example
 * // 300 unlocks in January over 3 domains, 9 people and 5 doors; every 7th failed.
 * const events = unlockSeries(300, {
 *   from: "2026-01-05T06:00:00.000Z", everyMinutes: 37, domains: ["dom_a", "dom_b", "dom_c"],
 *   people: { count: 9, step: 5 }, doors: { count: 5 }, failedEvery: 7,
 * });
 */
export function unlockSeries(count: number, spread: UnlockSpread): DoorEvent[] {
  const start = Date.parse(spread.from);
  const { people, doors } = spread;
  return Array.from({ length: count }, (_, i) =>
    doorEventFixture({
      id: `${spread.idPrefix ?? "el_"}${i}`,
      domainId: spread.domains[i % spread.domains.length] as string,
      userId:
        people.anonymousEvery !== undefined && i % people.anonymousEvery === 0
          ? null
          : `usr_${(i * people.step) % people.count}`,
      deviceId: `dev_${(i * (doors.step ?? 1)) % doors.count}`,
      success: i % spread.failedEvery !== 0,
      occurredAt: new Date(start + i * spread.everyMinutes * 60_000),
    }),
  );
}

/** What a scenario is told about the service under test. */
interface ScenarioService<C extends ConsumerServiceConfig, P> {
  /** The service, as `defineConsumerService` made it (`billingService`). */
  service: ConsumerService<C, P>;
  /** Names the topic, the group and the waits (`billing`). */
  name: string;
  /**
   * The topics it writes, by the variable that names them (`{ TOPIC_CHECKINS: "checkin-out" }`): each
   * made for the test (one partition) and named in the service's environment.
   */
  writes?: Readonly<Record<string, string>>;
}

/** The ground every scenario stands on: a topic and a group of the test's own, a pool on the store's schema. */
async function scenarioGround<C extends ConsumerServiceConfig, P>(
  harness: TestHarness,
  database: TestDatabase,
  under: ScenarioService<C, P>,
  topicName: string,
  partitions: number,
  env: Record<string, string> = {},
) {
  const written: Record<string, string> = {};
  for (const [variable, prefix] of Object.entries(under.writes ?? {}))
    written[variable] = await harness.topic(prefix, 1);
  const topic = await harness.topic(`${under.name}-${topicName}`, partitions);
  const group = uniqueName(`${under.name}-${topicName}`);
  harness.deleteAtEnd(deadLetterTopic(group), redriveTopic(group));
  const config = under.service.loadConfig(
    consumerServiceEnv({ databaseUrl: database.url, group, topic }, { ...env, ...written }),
  );
  const inspect = new PostgresDb({ url: database.url, schema: config.database.schema, log: testLog });
  harness.onClose(() => inspect.close());
  const start = () => harness.start((deps) => under.service.create(config, { ...deps, clock: systemClock }));
  const produce = (events: readonly DoorEvent[]) =>
    produceAll(
      harness.kafka,
      events.map((event) => doorEventRecord(event, topic)),
    );
  return { inspect, topic, group, config, start, produce, written };
}

/** Distinct Kafka timestamps on each side of a replay's `since`. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

/** A replay rehearsal under way: its ground, and the steps every service takes the same way. */
export interface ReplayRehearsal<C extends ConsumerServiceConfig, P> {
  topic: string;
  /** The topics the service writes, by variable (see `writes`). */
  written: Readonly<Record<string, string>>;
  group: string;
  config: C;
  /** Every unlock produced; */
  events: readonly DoorEvent[];
  /** …and those produced after the replay's `since`. */
  replayed: readonly DoorEvent[];
  /** A pool on the service's schema (closed when the test ends). */
  inspect: PostgresDb;
  /** The offsets the service's sink stores with its rows. */
  offsets: SinkOffsets;
  /** `replay --since <between the two batches>`. */
  replay: readonly string[];
  /** Runs an operator command as the CLI would (with `config` unless told), keeping what it prints. */
  operator(argv: readonly string[], config?: C): Promise<{ code: number; lines: string[] }>;
  /** `bridge_consumer_records_processed_total` of the group, of one outcome if named. */
  processed(registry: Registry, outcome?: string): Promise<number>;
  /**
   * Runs the service until it consumed the topic and `settled` holds, proves that `replay` is refused
   * while it runs, and stops it; no fatal error.
   */
  firstRun(
    settled?: (running: RunningService<RunningConsumerService<P>>) => Promise<boolean>,
  ): Promise<RunningService<RunningConsumerService<P>>>;
  /**
   * Proves the store's offsets moved back by exactly the replayed unlocks, each move printed in
   * `lines` as `stored offset <topic>[<p>]: <before> -> <after>`; returns the moves.
   */
  expectStoredOffsetsRewound(
    before: ReadonlyMap<number, string>,
    lines: readonly string[],
  ): Promise<{ partition: number; before: string; after: string }[]>;
  /**
   * Runs the service again until it re-read the replayed unlocks and caught up, and stops it: it
   * processed each replayed unlock once, none taken for a redelivery, its stored offsets are back at
   * `storedBefore`, no fatal error.
   */
  secondRun(storedBefore: ReadonlyMap<number, string>): Promise<RunningService<RunningConsumerService<P>>>;
}

/**
 * Sets up the rehearsal of `<service>-admin replay --since`: a topic of 3 partitions, `events` up to
 * `replayFrom` produced before the replay's start and the rest after it, the service configured with
 * batches of 50. The test then runs the steps, checking its own store between them.
 *
 * @example
 * const r = await replayRehearsal(harness, database, { service: billingService, name: "billing" }, unlocks(), 200);
 * await r.firstRun();
 * const storedBefore = await r.offsets.read(r.inspect, r.topic);
 * const { code, lines } = await r.operator(r.replay);
 * await r.expectStoredOffsetsRewound(storedBefore, lines);
 * await r.secondRun(storedBefore);
 */
export async function replayRehearsal<C extends ConsumerServiceConfig, P>(
  harness: TestHarness,
  database: TestDatabase,
  under: ScenarioService<C, P>,
  events: readonly DoorEvent[],
  replayFrom: number,
): Promise<ReplayRehearsal<C, P>> {
  const { inspect, topic, group, config, start, produce, written } = await scenarioGround(
    harness,
    database,
    under,
    "replay",
    3,
    { CONSUMER_MAX_BATCH: "50" },
  );
  const offsets = new SinkOffsets(group);
  const replayed = events.slice(replayFrom);
  await produce(events.slice(0, replayFrom));
  await tick();
  const since = new Date();
  await tick();
  await produce(replayed);
  const replay = ["replay", "--since", since.toISOString()];

  const operator = async (argv: readonly string[], withConfig: C = config) => {
    const lines: string[] = [];
    const code = await under.service.runCommand(argv, withConfig, {
      log: testLog,
      print: (line) => lines.push(line),
    });
    return { code, lines };
  };
  const processed = (registry: Registry, outcome?: string) =>
    metricValue(registry, "bridge_consumer_records_processed_total", {
      group,
      ...(outcome ? { outcome } : {}),
    });

  return {
    topic,
    written,
    group,
    config,
    events,
    replayed,
    inspect,
    offsets,
    replay,
    operator,
    processed,
    async firstRun(settled) {
      const first = await start();
      try {
        await waitUntil(
          `${under.name} consumed the topic`,
          () => caughtUp(harness.kafka, group, [topic]),
          120_000,
        );
        if (settled) await waitUntil(`${under.name} settled`, () => settled(first));
        const refused = await operator(replay);
        expect(refused.code).toBe(1);
        expect(refused.lines.join("\n")).toMatch(/^replay refused: group .* has 1 live member\(s\)/);
      } finally {
        await first.stop();
      }
      expect(first.fatal).toEqual([]);
      return first;
    },
    async expectStoredOffsetsRewound(before, lines) {
      const after = await offsets.read(inspect, topic);
      const moves: { partition: number; before: string; after: string }[] = [];
      for (const [partition, previous] of before) {
        const now = after.get(partition) ?? previous;
        if (now !== previous) moves.push({ partition, before: previous, after: now });
      }
      for (const move of moves)
        expect(lines).toContain(`stored offset ${topic}[${move.partition}]: ${move.before} -> ${move.after}`);
      expect(moves.reduce((sum, move) => sum + Number(move.before) - Number(move.after), 0)).toBe(
        replayed.length,
      );
      return moves;
    },
    async secondRun(storedBefore) {
      const second = await start();
      try {
        await waitUntil(
          `${under.name} re-read the replayed unlocks`,
          async () => (await processed(second.registry)) >= replayed.length,
        );
        await waitUntil(`${under.name} caught up again`, () => caughtUp(harness.kafka, group, [topic]));
      } finally {
        await second.stop();
      }
      // Re-read, not skipped (the store's offsets were rewound) and not taken for redeliveries.
      expect(await processed(second.registry)).toBe(replayed.length);
      expect(await processed(second.registry, "redelivered")).toBe(0);
      expect(await offsets.read(inspect, topic)).toEqual(storedBefore);
      expect(second.fatal).toEqual([]);
      return second;
    },
  };
}

/** What the topic-recreated scenario leaves for the test to check in the service's store. */
export interface TopicRecreated<P> {
  group: string;
  /** The topics the service writes, by variable (see `writes`). */
  written: Readonly<Record<string, string>>;
  /** The unlocks of the first life of the topic (60) and of its second (20). */
  before: readonly DoorEvent[];
  after: readonly DoorEvent[];
  /** A pool on the service's schema (closed when the test ends). */
  inspect: PostgresDb;
  /** Still running; stopped when the test ends. */
  running: RunningService<RunningConsumerService<P>>;
}

/**
 * Issue 13, item 5: the service's topic (2 partitions) is deleted and created again while the service
 * runs, so each new record arrives below the offset the store kept for the old topic. Produces 60
 * unlocks `unlock(i, "old")`, runs the service until it consumed them (then `oldConsumed`), recreates
 * the topic, produces 20 `unlock(i, "new")`, and waits until the service stored every new one (a row
 * in `processedTable` per event log id `el_new_*`) and caught up; nothing dead-lettered, no fatal error.
 *
 * @example
 * const { inspect, before, after } = await topicRecreatedScenario(harness, database, under, {
 *   unlock: (i, life) => doorEventFixture({ id: `el_${life}_${i}`, … }),
 *   processedTable: "metered_unlocks",
 * });
 */
export async function topicRecreatedScenario<C extends ConsumerServiceConfig, P>(
  harness: TestHarness,
  database: TestDatabase,
  under: ScenarioService<C, P>,
  scenario: {
    unlock: (i: number, life: "old" | "new") => DoorEvent;
    /** The store's table with a row per processed unlock, by `event_log_id`. */
    processedTable: string;
    /** Checks the store once the old topic is consumed. */
    oldConsumed?: (inspect: PostgresDb) => Promise<void>;
  },
): Promise<TopicRecreated<P>> {
  const { inspect, topic, group, start, produce, written } = await scenarioGround(
    harness,
    database,
    under,
    "recreated",
    2,
  );
  const before = Array.from({ length: 60 }, (_, i) => scenario.unlock(i, "old"));
  const after = Array.from({ length: 20 }, (_, i) => scenario.unlock(i, "new"));
  await produce(before);
  const running = await start();
  await waitUntil(`${under.name} consumed the old topic`, () => caughtUp(harness.kafka, group, [topic]));
  await scenario.oldConsumed?.(inspect);

  // The topic is deleted and created again while the service runs; its new records start at 0.
  await recreateTopic(harness.kafka, topic, 2);
  await produce(after);

  await waitUntil(
    `${under.name} stored every new unlock`,
    async () => {
      const { rows } = await inspect.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${scenario.processedTable} WHERE event_log_id LIKE 'el_new_%'`,
      );
      return rows[0]?.n === after.length;
    },
    120_000,
  );
  await waitUntil(`${under.name} caught up with the new topic`, () =>
    caughtUp(harness.kafka, group, [topic]),
  );
  expect(await topicSize(harness.kafka, deadLetterTopic(group))).toBe(0);
  expect(running.fatal).toEqual([]);
  return { group, written, before, after, inspect, running };
}
