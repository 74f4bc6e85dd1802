import {
  DOCUMENTED_PAGING,
  describePaging,
  type Simulator,
  startSimulator,
} from "@parakey-bridge/parakey-simulator";
import { freePort, metricValue, testKafkaBrokers, waitUntil } from "@parakey-bridge/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { SECRET } from "../testing/fixtures.js";
import { recordCount } from "../testing/service-fixture.js";
import { decodeCheckpoint } from "./checkpoint.js";
import {
  allRecords,
  BROKER_TEST_PAGING,
  doorEventsOn,
  PARAKEY_TOKEN,
  ShiftedClock,
  seedHistory,
  startPollingIngress,
} from "./testing.js";

const MINUTE = 60_000;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Ids of every event log the simulated Parakey holds, but its seeded history. */
const idsOf = (sim: Simulator) =>
  sim.api
    .eventLogs()
    .map((log) => String(log.id))
    .filter((id) => !id.startsWith("el_history_"));

describe.each(
  BROKER_TEST_PAGING.map(
    ({ paging, pageSize }) =>
      [describePaging({ ...DOCUMENTED_PAGING, ...paging }), paging, pageSize] as const,
  ),
)("Parakey poller (in-process ingress, real Kafka, simulated Parakey with %s)", (_name, paging, pageSize) => {
  async function simulator(options: Partial<Parameters<typeof startSimulator>[0]> = {}): Promise<Simulator> {
    const sim = await startSimulator({
      token: PARAKEY_TOKEN,
      port: 0,
      seed: 7,
      offlineFraction: 0,
      paging,
      ...options,
    });
    cleanups.push(() => sim.close());
    seedHistory(sim);
    return sim;
  }

  async function ingress(options: Omit<Parameters<typeof startPollingIngress>[0], "brokers">) {
    const started = await startPollingIngress({
      brokers: testKafkaBrokers(),
      ...options,
      tune: (poller) => {
        poller.pageSize = pageSize;
        options.tune?.(poller);
      },
    });
    cleanups.push(() => started.stop());
    return started;
  }

  it("makes exactly one HTTP request and no Kafka write when nothing changed since the last poll", async () => {
    const sim = await simulator();
    sim.api.generate(5);
    const ingressUnderTest = await ingress({
      parakeyUrl: sim.url,
      tune: (poller) => {
        poller.intervalMs = 60 * MINUTE; // only the poll on election runs on its own
      },
    });
    const { kafka, topics, poller } = ingressUnderTest;
    await waitUntil("the first poll", async () => (await recordCount(kafka, topics.eventLogs)) === 5);
    await waitUntil("the first checkpoint", async () => (await recordCount(kafka, topics.state)) > 0);
    const before = {
      events: await recordCount(kafka, topics.eventLogs),
      state: await recordCount(kafka, topics.state),
      rejected: await recordCount(kafka, topics.rejected),
    };
    sim.api.resetStats();

    const result = await poller.pollOnce();

    expect(result.outcome).toBe("not_modified");
    const api = sim.api.stats().api;
    expect(api.total).toBe(1);
    expect(api.recent[0]).toMatchObject({ route: "GET /eventLogs", query: "?limit=1", status: 304 });
    expect(api.recent[0]?.ifNoneMatch).toBeDefined();
    expect({
      events: await recordCount(kafka, topics.eventLogs),
      state: await recordCount(kafka, topics.state),
      rejected: await recordCount(kafka, topics.rejected),
    }).toEqual(before);
  });

  it("brings every event to the topic when the webhook endpoint is down past Parakey's retries, and counts them as recovered", async () => {
    const closedPort = await freePort();
    const sim = await simulator({ retryTimeScale: 0.001 }); // Parakey's 20-minute retry schedule in 1.2 s
    sim.webhooks.add({
      url: `http://127.0.0.1:${closedPort}/webhooks/parakey`,
      headers: { "x-parakey-secret": SECRET },
    });
    const { kafka, topics, registry, integration } = await ingress({
      parakeyUrl: sim.url,
      tune: (poller) => {
        poller.intervalMs = 300;
        poller.gapWindowMs = 3_000; // longer than the scaled retry schedule
      },
    });
    sim.api.generate(25);
    const ids = idsOf(sim);
    expect(ids.length).toBe(25);
    await sim.webhooks.idle();
    expect(sim.webhooks.stats()[0]).toMatchObject({ delivered: 0, dropped: 25 });

    const recovered = `bridge_poll_recovered_events_total{integration="${integration}"}`;
    await waitUntil("25 recovered events", async () => (await metricValue(registry, recovered)) === 25);
    const events = await doorEventsOn(kafka, topics.eventLogs);
    expect(ids.filter((id) => !events.has(id))).toEqual([]);
    expect([...events.values()].every((event) => event.via === "poll")).toBe(true);
    // Keyed and labelled exactly like the webhook path.
    const records = await allRecords(kafka, topics.eventLogs);
    for (const record of records) {
      expect(record.key).toBe(events.get(record.headers.ce_id ?? "")?.deviceId);
      expect(record.headers).toMatchObject({ ce_specversion: "1.0", ce_type: "co.parakey.event-log.v1" });
    }
    expect(
      await metricValue(registry, `bridge_poll_last_success_age_seconds{integration="${integration}"}`),
    ).toBeLessThan(60);
  });

  it("loses no event while Parakey's clock runs 3 minutes ahead and then 3 minutes behind ours", async () => {
    const parakeyClock = new ShiftedClock();
    parakeyClock.offsetMs = 3 * MINUTE;
    const sim = await simulator({ clock: parakeyClock });
    const { kafka, topics } = await ingress({
      parakeyUrl: sim.url,
      tune: (poller) => {
        poller.intervalMs = 300;
      },
    });
    sim.api.generate(10);
    await waitUntil(
      "the events stamped ahead",
      async () => (await recordCount(kafka, topics.eventLogs)) >= 10,
    );

    parakeyClock.offsetMs = -3 * MINUTE; // Parakey's clock corrected, and then some
    sim.api.generate(10);
    // An event stamped 6 minutes below the newest createdAt seen so far.
    const ids = idsOf(sim);
    await waitUntil("every event, those stamped behind included", async () => {
      const events = await doorEventsOn(kafka, topics.eventLogs);
      return ids.every((id) => events.has(id));
    });
  });

  it("stores an offline lock's 2-day backlog the webhook filtered out, each event with its real delay", async () => {
    const sim = await simulator({ retryTimeScale: 0.001 });
    const started = await ingress({
      parakeyUrl: sim.url,
      tune: (poller) => {
        poller.intervalMs = 300;
      },
    });
    // A webhook for live notifications: anything more than 10 minutes late is not sent.
    sim.webhooks.add({
      url: started.webhookUrl,
      headers: { "x-parakey-secret": SECRET },
      allowedOffsetMinutes: 10,
    });
    sim.api.generate(5);
    const backlog = sim.api.uploadBacklog({ count: 40, spanMs: 2 * 24 * 60 * MINUTE });
    await sim.webhooks.idle();
    const late = backlog.filter(
      (log) => Date.parse(String(log.createdAt)) - Date.parse(String(log.timestamp)) > 10 * MINUTE,
    );
    expect(late.length).toBeGreaterThan(30);
    expect(sim.webhooks.stats()[0]?.filtered.too_old).toBe(late.length);

    const ids = idsOf(sim);
    const events = await waitUntil("live events and the whole backlog", async () => {
      const on = await doorEventsOn(started.kafka, started.topics.eventLogs);
      return ids.every((id) => on.has(id)) ? on : undefined;
    });
    for (const log of backlog) {
      const event = events.get(String(log.id));
      expect(event?.delayMs).toBe(Date.parse(String(log.createdAt)) - Date.parse(String(log.timestamp)));
    }
    for (const log of late) expect(events.get(String(log.id))?.via).toBe("poll");
    expect(Math.max(...backlog.map((log) => events.get(String(log.id))?.delayMs ?? 0))).toBeGreaterThan(
      24 * 60 * MINUTE,
    );
    const state = await allRecords(started.kafka, started.topics.state);
    const last = decodeCheckpoint(state.at(-1)?.value);
    expect(last.ok && last.checkpoint?.highWaterMark?.toISOString()).toBe(
      new Date(
        Math.max(...sim.api.eventLogs().map((log) => Date.parse(String(log.createdAt)))),
      ).toISOString(),
    );
  });
});
