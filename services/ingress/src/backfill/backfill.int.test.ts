import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { BatchingProducer, createKafka } from "@parakey-bridge/kafka";
import { createParakeyClient, ParakeyPagingError } from "@parakey-bridge/parakey-client";
import {
  DOCUMENTED_PAGING,
  describePaging,
  type PagingBehaviour,
  type Simulator,
  startSimulator,
} from "@parakey-bridge/parakey-simulator";
import { systemClock } from "@parakey-bridge/service-kit";
import { testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { createAllowlist } from "../allowlist.js";
import { createIngressMetrics } from "../metrics.js";
import { backfillCheckpointKey } from "../poller/checkpoint.js";
import { KafkaCheckpointStore } from "../poller/checkpoint-store.js";
import { BROKER_TEST_PAGING, doorEventsOn, PARAKEY_TOKEN, seedHistory } from "../poller/testing.js";
import { runBackfill } from "./backfill.js";

// The backfill against the real broker (records and checkpoints on real topics) and a simulated
// Parakey over HTTP, under the paging behaviours of the poller's broker tests and one it cannot read.

const silent = pino({ level: "silent" });
const MINUTE = 60_000;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(paging: Partial<PagingBehaviour>) {
  const sim: Simulator = await startSimulator({
    token: PARAKEY_TOKEN,
    port: 0,
    seed: 9,
    offlineFraction: 0,
    paging,
  });
  cleanups.push(() => sim.close());
  seedHistory(sim);
  const now = Date.now();
  const from = new Date(now - 3 * 60 * MINUTE);
  const to = new Date(now - 60 * MINUTE);
  // One event a minute from half an hour before the range to half an hour after it.
  const logs = Array.from({ length: 180 }, (_, i) => {
    const createdAt = new Date(from.getTime() - 30 * MINUTE + i * MINUTE);
    return eventLogFixture({ deviceId: `lock-${i % 5}`, createdAt, timestamp: createdAt });
  });
  sim.api.addEvents(logs);
  const inRange = logs
    .filter((log) => {
      const at = Date.parse(log.createdAt as string);
      return at >= from.getTime() && at < to.getTime();
    })
    .map((log) => String(log.id));

  const prefix = uniqueName("backfill");
  const topics = { eventLogs: `${prefix}.events`, rejected: `${prefix}.rejected` };
  const stateTopic = `${prefix}.state`;
  const kafka = createKafka({ brokers: testKafkaBrokers(), clientId: prefix, ssl: false }, silent);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.eventLogs, numPartitions: 3, replicationFactor: 1 },
      { topic: topics.rejected, numPartitions: 1, replicationFactor: 1 },
      {
        topic: stateTopic,
        numPartitions: 1,
        replicationFactor: 1,
        configEntries: [{ name: "cleanup.policy", value: "compact" }],
      },
    ],
  });
  cleanups.push(async () => {
    await admin
      .deleteTopics({ topics: [topics.eventLogs, topics.rejected, stateTopic] })
      .catch(() => undefined);
    await admin.disconnect();
  });
  const producer = new BatchingProducer(kafka, { log: silent, registry: new Registry() });
  await producer.start();
  cleanups.push(() => producer.stop());
  const store = new KafkaCheckpointStore({ kafka, sink: producer, topic: stateTopic, log: silent });
  const options = {
    integration: "acme",
    from,
    to,
    pageSize: 10,
    client: createParakeyClient({ token: PARAKEY_TOKEN, baseUrl: sim.url }),
    sink: producer,
    store,
    metrics: createIngressMetrics(new Registry()),
    topics,
    allowlist: createAllowlist({ domainIds: [], deviceIds: [] }),
    clock: systemClock,
  };
  return { kafka, store, options, inRange, key: backfillCheckpointKey("acme", from, to) };
}

describe.each(
  BROKER_TEST_PAGING.map(
    ({ paging }) => [describePaging({ ...DOCUMENTED_PAGING, ...paging }), paging] as const,
  ),
)("backfill on the real broker, Parakey with %s", (_name, paging) => {
  it("produces every event of the range across an interruption, and marks it done", async () => {
    const { kafka, store, options, inRange, key } = await setup(paging);
    const interrupt = new AbortController();
    await expect(
      runBackfill({
        ...options,
        signal: interrupt.signal,
        onProgress: () => interrupt.abort(new Error("SIGINT")),
      }),
    ).rejects.toThrow();
    expect((await store.load(key))?.done).toBeUndefined();

    const resumed = await runBackfill({ ...options, signal: new AbortController().signal });
    expect(resumed.status).toBe("done");
    const events = await doorEventsOn(kafka, options.topics.eventLogs);
    expect(inRange.filter((id) => !events.has(id))).toEqual([]);
    expect([...events.keys()].every((id) => inRange.includes(id))).toBe(true);
    expect((await store.load(key))?.done).toBe(true);
  });
});

describe("backfill on the real broker, Parakey honouring only startDate and a limit capped at 7", () => {
  it("fails with a paging violation and never marks the range done", async () => {
    const { store, options, key } = await setup({ limitCap: 7 });
    await expect(runBackfill({ ...options, signal: new AbortController().signal })).rejects.toBeInstanceOf(
      ParakeyPagingError,
    );
    expect((await store.load(key))?.done).toBeUndefined();
  });
});
