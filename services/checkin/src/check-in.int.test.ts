import { AccessLog, Pseudonymiser } from "@parakey-bridge/auth";
import { testApiKeys } from "@parakey-bridge/auth/testing";
import { unlockSeries } from "@parakey-bridge/consumer-service/testing";
import {
  type CheckIn,
  type DoorEvent,
  deadLetterTopic,
  decodeCheckIn,
  doorEventRecord,
} from "@parakey-bridge/contracts";
import { doorEventFixture as doorEvent, redelivered } from "@parakey-bridge/contracts/testing";
import { redriveTopic } from "@parakey-bridge/kafka";
import { type ConsumedRecord, produceAll, readTopic } from "@parakey-bridge/kafka/testing";
import { systemClock } from "@parakey-bridge/service-kit";
import { PostgresDb } from "@parakey-bridge/storage";
import { shutdownTelemetry, startTelemetry } from "@parakey-bridge/telemetry";
import {
  caughtUp,
  consumerServiceEnv,
  TestHarness,
  testLog,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { CheckInStore } from "./check-in-store.js";
import { loadCheckInConfig } from "./config.js";
import { domainSettings } from "./domain-settings.js";
import { type CheckInService, createCheckInService } from "./service.js";

const DAY = 86_400_000;
/** Central European (winter) time is UTC+1 in late November: the independent count's own arithmetic. */
const STOCKHOLM_OFFSET_MS = 3_600_000;

/**
 * The unlocks: 4 domains (dom_se in Europe/Stockholm, the others UTC), 12 people, 6 doors, over three
 * days around midnight, some failed, some without a user, each delivered 1–3 times, and the first 150
 * replayed at the end; plus a two-day-late upload for a person seen on no other day.
 */
function unlocks(): { events: DoorEvent[]; stream: DoorEvent[]; late: DoorEvent; midnight: DoorEvent } {
  const events = unlockSeries(600, {
    from: "2026-11-22T20:00:00.000Z",
    everyMinutes: 7,
    domains: ["dom_se", "dom_a", "dom_b", "dom_c"],
    people: { count: 12, step: 7, anonymousEvery: 17 },
    doors: { count: 6 },
    failedEvery: 11,
  });
  const midnight = doorEvent({
    id: "el_midnight",
    domainId: "dom_se",
    userId: "usr_night_owl",
    deviceId: "dev_0",
    success: true,
    occurredAt: "2026-11-23T23:30:00.000Z",
  });
  const late = doorEvent({
    id: "el_late",
    domainId: "dom_a",
    userId: "usr_offline",
    deviceId: "dev_9",
    success: true,
    occurredAt: "2026-11-21T09:00:00.000Z",
    delayMs: 2 * DAY,
  });
  events.push(midnight, late);
  return { events, stream: [...redelivered(events), ...events.slice(0, 150)], late, midnight };
}

/** The expected check-ins, counted without the service's code: key → [first event id, unlock count]. */
function independentCount(events: readonly DoorEvent[]): Map<string, { first: DoorEvent; count: number }> {
  const expected = new Map<string, { first: DoorEvent; count: number }>();
  for (const event of events) {
    if (event.success !== true || event.userId === null || event.domainId === null) continue;
    const shift = event.domainId === "dom_se" ? STOCKHOLM_OFFSET_MS : 0;
    const day = new Date(Date.parse(event.occurredAt) + shift).toISOString().slice(0, 10);
    const key = `${event.domainId}|${event.userId}|${day}`;
    const entry = expected.get(key);
    if (entry === undefined) expected.set(key, { first: event, count: 1 });
    else {
      entry.count += 1;
      if (event.occurredAt < entry.first.occurredAt) entry.first = event;
    }
  }
  return expected;
}

/** The API authenticates: this test reads as an auditor, with a key made here. */
const keys = testApiKeys({ auditor: { roles: ["auditor"] } });

describe("check-in service against real Kafka and PostgreSQL", () => {
  const harness = new TestHarness();
  const { kafka } = harness;
  const group = uniqueName("checkin-int");
  const { events, stream, late, midnight } = unlocks();
  const expected = independentCount(events);
  let eventsTopic: string;
  let checkInsTopic: string;
  let service: CheckInService;
  let published: ConsumedRecord[];
  let fatal: Error[];

  beforeAll(async () => {
    startTelemetry({ serviceName: "checkin-int-test" });
    harness.deleteAtEnd(deadLetterTopic(group), redriveTopic(group));
    const [input, output, database] = await Promise.all([
      harness.topic("checkin-events"),
      harness.topic("checkin-out", 2),
      harness.database(),
    ]);
    [eventsTopic, checkInsTopic] = [input, output];
    await produceAll(
      kafka,
      stream.map((event) => doorEventRecord(event, eventsTopic)),
    );
    const config = loadCheckInConfig(
      consumerServiceEnv(
        { databaseUrl: database.url, group, topic: eventsTopic },
        {
          API_KEYS: keys.settings.apiKeys.map((k) => `${k.id}:${k.sha256}:${k.roles.join("+")}`).join(","),
          TOPIC_CHECKINS: checkInsTopic,
          DOMAIN_TIME_ZONES: "dom_se=Europe/Stockholm",
          CONSUMER_MAX_BATCH: "100",
        },
      ),
    );
    ({ service, fatal } = await harness.start((deps) =>
      createCheckInService(config, { ...deps, clock: systemClock }),
    ));
    await waitUntil(
      "the group consumed the whole topic",
      () => caughtUp(kafka, group, [eventsTopic]),
      120_000,
    );
    await waitUntil("the outbox is empty", async () => (await service.store.outboxSize()) === 0);
    published = await readTopic(kafka, checkInsTopic, { count: expected.size, timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await harness.close();
    await shutdownTelemetry();
  });

  it("records one check-in per person, domain and local day, as an independent count finds, though unlocks were duplicated and replayed", async () => {
    const { rows } = await service.db.query<{
      domain_id: string;
      user_id: string;
      local_date: string;
      first_event_log_id: string;
      unlock_count: number;
    }>(
      "SELECT domain_id, user_id, local_date::text AS local_date, first_event_log_id, unlock_count FROM check_ins",
    );
    const actual = new Map(
      rows.map((r) => [
        `${r.domain_id}|${r.user_id}|${r.local_date}`,
        [r.first_event_log_id, r.unlock_count],
      ]),
    );
    expect(actual).toEqual(new Map([...expected].map(([key, e]) => [key, [e.first.eventLogId, e.count]])));
    expect(fatal).toEqual([]);
  });

  it("publishes every check-in once to its topic, keyed by domain, with ce_id = checkInId", async () => {
    const { rows } = await service.db.query<{ check_in_id: string; domain_id: string }>(
      "SELECT check_in_id, domain_id FROM check_ins",
    );
    expect(published).toHaveLength(rows.length);
    const byId = new Map(published.map((record) => [record.headers.ce_id, record]));
    expect(new Set(byId.keys())).toEqual(new Set(rows.map((r) => r.check_in_id)));
    for (const row of rows) {
      const record = byId.get(row.check_in_id);
      expect(record?.key).toBe(row.domain_id);
      const decoded = decodeCheckIn(record?.value ?? null);
      expect(decoded.ok && decoded.value.checkInId).toBe(row.check_in_id);
      expect(record?.headers.ce_type).toBe("co.parakey.bridge.check-in.v1");
    }
  });

  it("records a two-day-late unlock as a check-in with live=false and publishes nothing live for it", async () => {
    const mine = published
      .map((record) => decodeCheckIn(record.value))
      .flatMap((d) => (d.ok ? [d.value] : []))
      .filter((c: CheckIn) => c.userId === "usr_offline");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ firstEventLogId: late.eventLogId, localDate: "2026-11-21", live: false });
    expect(published.find((r) => r.headers.ce_id === mine[0]?.checkInId)?.headers["pb-live"]).toBe("false");
    const res = await service.http.port;
    const api = await fetch(
      `http://127.0.0.1:${res}/v1/users/usr_offline/check-ins?from=2026-11-01&to=2026-11-30`,
      { headers: keys.headers("auditor") },
    );
    expect(((await api.json()) as { checkIns: CheckIn[] }).checkIns.map((c) => c.live)).toEqual([false]);
  });

  it("puts an unlock at 23:30 UTC on the next local day for a domain in Europe/Stockholm", async () => {
    const base = `http://127.0.0.1:${service.http.port}/v1/domains/dom_se/check-ins`;
    const nextDay = (await (
      await fetch(`${base}?date=2026-11-24&limit=1000`, { headers: keys.headers("auditor") })
    ).json()) as {
      checkIns: CheckIn[];
    };
    const sameDay = (await (
      await fetch(`${base}?date=2026-11-23&limit=1000`, { headers: keys.headers("auditor") })
    ).json()) as {
      checkIns: CheckIn[];
    };
    expect(nextDay.checkIns.find((c) => c.userId === "usr_night_owl")?.firstEventLogId).toBe(
      midnight.eventLogId,
    );
    expect(sameDay.checkIns.some((c) => c.userId === "usr_night_owl")).toBe(false);
  });

  it("continues the unlock's trace in the check-in record it publishes", async () => {
    const traceOf = (traceparent: string | undefined) => traceparent?.split("-")[1];
    const sources = await readTopic(kafka, eventsTopic, { count: stream.length, timeoutMs: 30_000 });
    const tracesOf = new Map<string | undefined, Set<string | undefined>>();
    for (const source of sources) {
      const traces = tracesOf.get(source.headers.ce_id) ?? new Set();
      traces.add(traceOf(source.headers.traceparent));
      tracesOf.set(source.headers.ce_id, traces);
    }
    for (const record of published) {
      const decoded = decodeCheckIn(record.value);
      const firstEvent = decoded.ok ? decoded.value.firstEventLogId : undefined;
      expect(record.headers.traceparent).toBeDefined();
      expect(tracesOf.get(firstEvent)?.has(traceOf(record.headers.traceparent))).toBe(true);
    }
  });

  it("answers 503 db_unavailable from the API while the database is unreachable", async () => {
    const down = new PostgresDb({
      url: "postgres://nobody@127.0.0.1:1/none",
      schema: "checkin",
      log: testLog,
    });
    const settings = domainSettings({
      defaultTimeZone: "UTC",
      timeZones: {},
      liveWindowMs: 0,
      liveWindowsMs: {},
    });
    const app = createApp({
      queries: new CheckInStore(down, settings, group),
      settings,
      auth: keys.settings,
      accessLog: new AccessLog(down, systemClock),
      pseudonyms: new Pseudonymiser(keys.settings.pseudonymKey),
      log: testLog,
    });
    const res = await app.request("/v1/domains/dom_a/check-ins?date=2026-11-23", {
      headers: keys.headers("auditor"),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: "db_unavailable" } });
    await down.close();
  });
});
