import { doorEventRecord, normalizeEventLog } from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { BatchingProducer, createKafka } from "@parakey-bridge/kafka";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { type Simulator, startSimulator } from "@parakey-bridge/parakey-simulator";
import { systemClock } from "@parakey-bridge/service-kit";
import {
  createTestDatabase,
  createTopic,
  testKafkaBrokers,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import pg from "pg";
import { pino } from "pino";
import { Registry } from "prom-client";
import { loadConsoleConfig } from "../config.js";
import { consoleMetrics } from "../metrics.js";
import { type ConsoleParts, wireConsole } from "../wiring.js";
import { SinkServices } from "./sink-services.js";

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const TOKEN = "console-test-token";

/**
 * The done-when scenario over real Kafka, real PostgreSQL and the three real sink services: ten
 * unlocks of one domain on one day (two failed, which billing does not meter) at the simulated
 * Parakey; the webhook delivered all but two; once the sinks stored the rest, check-in loses one.
 */
export interface Scenario {
  day: string;
  domain: string;
  ids: string[];
  failedIds: Set<string>;
  withheld: string[];
  removedFromCheckin: string;
  env: Record<string, string>;
  sql: pg.Client;
  parts: ConsoleParts & { producer: BatchingProducer };
  registry: Registry;
  /** Rows of the scenario's events in audit, billing and check-in. */
  counts(): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startScenario(options: { basePort: number; domain: string }): Promise<Scenario> {
  const { domain } = options;
  const kafka = createKafka(
    { brokers: testKafkaBrokers(), clientId: uniqueName("console-test"), ssl: false },
    silentLog,
  );
  const topic = await createTopic(kafka, "console-events", 3);
  const checkins = await createTopic(kafka, "console-checkins", 1);
  const database = await createTestDatabase();
  const sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  const sim: Simulator = await startSimulator({ token: TOKEN, port: 0 });
  const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
  const ids: string[] = [];
  const failedIds = new Set<string>();
  const logs = Array.from({ length: 10 }, (_, i) => {
    const id = `el_${uniqueName("recon").replaceAll("-", "_")}_${i}`;
    ids.push(id);
    if (i % 5 === 4) failedIds.add(id);
    return eventLogFixture({
      id,
      domainId: domain,
      deviceId: `dev_${i % 3}`,
      userId: `usr_${i % 4}`,
      success: i % 5 !== 4,
      timestamp: new Date(`${day}T${String(8 + i).padStart(2, "0")}:15:00Z`),
    });
  });
  // Older history outside the range: Parakey's documented paging proves a short window complete
  // only against a longer page of all history (see readEventLogWindow).
  const fiveDaysBefore = Date.parse(`${day}T12:00:00Z`) - 5 * 86_400_000;
  sim.api.addEvents(
    Array.from({ length: 20 }, (_, i) =>
      eventLogFixture({
        id: `el_${uniqueName("old").replaceAll("-", "_")}_${i}`,
        domainId: domain,
        timestamp: new Date(fiveDaysBefore + i * 60_000),
      }),
    ),
  );
  sim.api.addEvents(logs);
  const withheld = [ids[3] as string, ids[4] as string].sort();
  await produceAll(
    kafka,
    logs
      .filter((l) => !withheld.includes(String(l.id)))
      .map((l) => {
        const normalized = normalizeEventLog(l, { via: "webhook", receivedAt: new Date() });
        if (!normalized.ok) throw new Error(normalized.rejection.detail);
        return doorEventRecord(normalized.event, topic);
      }),
  );
  const env: Record<string, string> = {
    KAFKA_BROKERS: testKafkaBrokers().join(","),
    DATABASE_URL: database.url,
    TOPIC_EVENT_LOGS: topic,
    TOPIC_CHECKINS: checkins,
    TOPIC_PARTITIONS: "1",
    GROUP_PREFIX: uniqueName("console-sinks"),
    AUTH_DISABLED: "true",
    PSEUDONYM_KEY: "console-test-pseudonym-key-0123456789",
  };
  const counts = async (): Promise<number[]> => {
    const q = async (table: string) => {
      try {
        const { rows } = await sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table} WHERE event_log_id = ANY($1)`,
          [ids],
        );
        return rows[0]?.n ?? 0;
      } catch {
        return -1; // the service has not migrated its schema yet
      }
    };
    return [
      await q("audit.audit_events"),
      await q("billing.metered_unlocks"),
      await q("checkin.processed_unlocks"),
    ];
  };
  const sinks = new SinkServices();
  await sinks.start(env, options.basePort);
  await waitUntil("every sink stored the delivered events", async () => (await counts()).join() === "8,7,8", {
    timeoutMs: 90_000,
    intervalMs: 500,
  });
  const removedFromCheckin = ids[0] as string;
  await sql.query("DELETE FROM checkin.processed_unlocks WHERE event_log_id = $1", [removedFromCheckin]);

  const config = loadConsoleConfig({
    ...env,
    PARAKEY_API_URL: sim.url,
    PARAKEY_API_TOKENS: `demo=${TOKEN}`,
    KAFKA_GROUP_IDS: ["audit", "billing", "checkin"].map((s) => `${env.GROUP_PREFIX}-${s}`).join(","),
  });
  const registry = new Registry();
  const parts = await wireConsole(config, {
    log: silentLog,
    clock: systemClock,
    metrics: consoleMetrics(registry),
    producer: (k) => new BatchingProducer(k, { log: silentLog, registry, sendTimeoutMs: 30_000 }),
  });
  await parts.producer.start();
  return {
    day,
    domain,
    ids,
    failedIds,
    withheld,
    removedFromCheckin,
    env,
    sql,
    parts,
    registry,
    counts,
    stop: async () => {
      await parts.producer.stop();
      await parts.close();
      await sinks.stop();
      await sim.close();
      await sql.end();
      await database.drop();
    },
  };
}
