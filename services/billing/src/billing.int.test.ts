import { randomBytes } from "node:crypto";
import { apiKeyHash } from "@parakey-bridge/auth";
import { unlockSeries } from "@parakey-bridge/consumer-service/testing";
import { type DoorEvent, deadLetterTopic, doorEventRecord } from "@parakey-bridge/contracts";
import { doorEventFixture as doorEvent, redelivered } from "@parakey-bridge/contracts/testing";
import { redriveTopic } from "@parakey-bridge/kafka";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { caughtUp, consumerServiceEnv, TestHarness, uniqueName, waitUntil } from "@parakey-bridge/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBillingConfig } from "./config.js";
import { type BillingService, createBillingService } from "./service.js";
import { independentMeters, storedMeters } from "./test-support.js";
import type { UsageReport } from "./usage-store.js";

const DAY = 86_400_000;
/** Central European (winter) time is UTC+1 in January and February: the independent count's own arithmetic. */
const offsetOf = (domainId: string) => (domainId === "dom_se" ? 3_600_000 : 0);

/**
 * Unlocks around the turn of January 2026 in 4 domains (dom_se in Europe/Stockholm), 15 people,
 * 8 doors, some failed, some without a user, each delivered 1–3 times, the first 200 replayed at the
 * end; and one unlock at 23:30 UTC on 31 January in Stockholm.
 */
function unlocks(): { events: DoorEvent[]; stream: DoorEvent[] } {
  const events = unlockSeries(800, {
    from: "2026-01-28T00:00:00.000Z",
    everyMinutes: 10,
    domains: ["dom_se", "dom_a", "dom_b", "dom_c"],
    people: { count: 15, step: 7, anonymousEvery: 17 },
    doors: { count: 8 },
    failedEvery: 11,
  });
  events.push(
    doorEvent({
      id: "el_midnight",
      domainId: "dom_se",
      userId: "usr_night_owl",
      deviceId: "dev_night",
      success: true,
      occurredAt: "2026-01-31T23:30:00.000Z",
    }),
  );
  return { events, stream: [...redelivered(events), ...events.slice(0, 200)] };
}

/** The API authenticates: this test is the operator, with a key made here. */
const operatorKey = `pbk_${randomBytes(24).toString("base64url")}`;
const asOperator = { authorization: `Bearer ${operatorKey}` };

describe("billing against real Kafka and PostgreSQL", () => {
  const harness = new TestHarness();
  const { kafka } = harness;
  const group = uniqueName("billing-int");
  const clock = new ManualClock(new Date("2026-02-05T12:00:00.000Z"));
  const { events, stream } = unlocks();
  let topic: string;
  let service: BillingService;
  let api: string;
  let fatal: Error[];

  beforeAll(async () => {
    harness.deleteAtEnd(deadLetterTopic(group), redriveTopic(group));
    const [eventsTopic, database] = await Promise.all([harness.topic("billing-events"), harness.database()]);
    topic = eventsTopic;
    await produceAll(
      kafka,
      stream.map((event) => doorEventRecord(event, topic)),
    );
    const config = loadBillingConfig(
      consumerServiceEnv(
        { databaseUrl: database.url, group, topic },
        {
          API_KEYS: `it-operator:${apiKeyHash(operatorKey)}:operator`,
          DOMAIN_TIME_ZONES: "dom_se=Europe/Stockholm",
          CONSUMER_MAX_BATCH: "100",
        },
      ),
    );
    const running = await harness.start((deps) => createBillingService(config, { ...deps, clock }));
    ({ service, fatal } = running);
    api = `http://127.0.0.1:${service.http.port}`;
    await waitUntil("the group consumed the whole topic", () => caughtUp(kafka, group, [topic]), 120_000);
  });

  afterAll(() => harness.close());

  it("meters exactly what an independent count of the produced events finds, though they were duplicated and replayed", async () => {
    expect(await storedMeters(service.db)).toEqual(independentMeters(events, offsetOf));
    expect(fatal).toEqual([]);
  });

  it("counts an unlock at 23:30 UTC on 31 January in February for a domain in Europe/Stockholm", async () => {
    const { rows } = await service.db.query<{ period: string }>(
      "SELECT period FROM metered_unlocks WHERE event_log_id = 'el_midnight'",
    );
    expect(rows).toEqual([{ period: "2026-02" }]);
    const { rows: users } = await service.db.query<{ period: string }>(
      "SELECT period FROM period_active_users WHERE user_id = 'usr_night_owl'",
    );
    expect(users).toEqual([{ period: "2026-02" }]);
  });

  it("bills a 2-day-late unlock in the month it happened and, that month being closed, as an adjustment line", async () => {
    const close = await fetch(`${api}/v1/periods/2026-01/close`, { method: "POST", headers: asOperator });
    expect(close.status).toBe(200);
    expect(await close.json()).toMatchObject({ period: "2026-01", alreadyClosed: false, domains: 4 });
    const before = (await (
      await fetch(`${api}/v1/domains/dom_a/usage/2026-01`, { headers: asOperator })
    ).json()) as UsageReport;
    expect(before.issued).toMatchObject(before.usage);

    const late = doorEvent({
      id: "el_late",
      domainId: "dom_a",
      userId: "usr_offline",
      deviceId: "dev_1",
      success: true,
      occurredAt: "2026-01-31T12:00:00.000Z",
      delayMs: 2 * DAY,
    });
    await produceAll(kafka, [doorEventRecord(late, topic), doorEventRecord({ ...late, via: "poll" }, topic)]);
    await waitUntil("the late unlock was consumed", () => caughtUp(kafka, group, [topic]));

    const after = (await (
      await fetch(`${api}/v1/domains/dom_a/usage/2026-01`, { headers: asOperator })
    ).json()) as UsageReport;
    expect(after.status).toBe("closed");
    expect(after.issued).toEqual(before.issued);
    expect(after.adjustments).toEqual([
      expect.objectContaining({
        eventLogId: "el_late",
        successfulUnlocks: 1,
        activeUsers: 1,
        activeDevices: 0,
        occurredAt: "2026-01-31T12:00:00.000Z",
        recordedAt: "2026-02-02T12:00:00.000Z",
      }),
    ]);
    expect(after.usage).toEqual({
      successfulUnlocks: before.usage.successfulUnlocks + 1,
      activeUsers: before.usage.activeUsers + 1,
      activeDevices: before.usage.activeDevices,
    });
    expect(await storedMeters(service.db)).toEqual(independentMeters([...events, late], offsetOf));

    const csv = await (await fetch(`${api}/v1/periods/2026-01/usage.csv`, { headers: asOperator })).text();
    expect(csv).toContain(
      "2026-01,dom_a,UTC,adjustment,1,1,0,el_late,2026-01-31T12:00:00.000Z,2026-02-02T12:00:00.000Z\r\n",
    );
    expect(csv.split("\r\n").filter((line) => line.includes(",issued,"))).toHaveLength(4);
  });
});
