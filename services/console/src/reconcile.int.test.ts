import { spawn } from "node:child_process";
import { join } from "node:path";
import { normalizeEventLog } from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { BatchingProducer, createKafka, doorEventRecord, type Kafka } from "@parakey-bridge/kafka";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { type Simulator, startSimulator } from "@parakey-bridge/parakey-simulator";
import { systemClock } from "@parakey-bridge/service-kit";
import {
  createTestDatabase,
  createTopic,
  repoRoot,
  testKafkaBrokers,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import { pino } from "pino";
import pg from "pg";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConsoleConfig } from "./config.js";
import { consoleMetrics } from "./metrics.js";
import { parseRange } from "./reconcile/range.js";
import { SinkServices } from "./testing/sink-services.js";
import { type ConsoleParts, wireConsole } from "./wiring.js";

// The done-when case over real Kafka, real PostgreSQL and the three real sink services:
// events withheld from the webhook and one removed from a sink are named per sink, a repair re-sends
// exactly those, the range then reconciles complete with nothing applied twice, and an edited
// recorded reconciliation makes `audit verify` fail.

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const TOKEN = "console-test-token";
const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
const at = (hour: number) => new Date(`${day}T${String(hour).padStart(2, "0")}:15:00Z`);

let sim: Simulator;
let kafka: Kafka;
let database: { url: string; drop(): Promise<void> };
let sql: pg.Client;
let sinks: SinkServices;
let parts: ConsoleParts & { producer: BatchingProducer };
let env: Record<string, string>;
const ids: string[] = [];
const failedIds = new Set<string>();
let withheld: string[];
let removedFromCheckin: string;

beforeAll(async () => {
  kafka = createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName("console-test"), ssl: false }, log);
  const topic = await createTopic(kafka, "console-events", 3);
  const checkins = await createTopic(kafka, "console-checkins", 1);
  database = await createTestDatabase();
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  sim = await startSimulator({ token: TOKEN, port: 0 });

  // Ten unlocks of dom_recon on one day (two of them failed ones, which billing does not meter).
  const logs = Array.from({ length: 10 }, (_, i) => {
    const id = `el_recon_${uniqueName("x").replaceAll("-", "_")}_${i}`;
    ids.push(id);
    if (i % 5 === 4) failedIds.add(id);
    return eventLogFixture({
      id,
      domainId: "dom_recon",
      deviceId: `dev_${i % 3}`,
      userId: `usr_${i % 4}`,
      success: i % 5 !== 4,
      timestamp: at(8 + i),
    });
  });
  sim.api.addEvents(logs);
  // The webhook delivered all but two (one of them a failed unlock).
  withheld = [ids[3] as string, ids[4] as string].sort();
  const delivered = logs.filter((l) => !withheld.includes(String(l.id)));
  await produceAll(
    kafka,
    delivered.map((l) => {
      const normalized = normalizeEventLog(l, { via: "webhook", receivedAt: new Date() });
      if (!normalized.ok) throw new Error(normalized.rejection.detail);
      return doorEventRecord(normalized.event, topic);
    }),
  );

  env = {
    KAFKA_BROKERS: testKafkaBrokers().join(","),
    DATABASE_URL: database.url,
    TOPIC_EVENT_LOGS: topic,
    TOPIC_CHECKINS: checkins,
    TOPIC_PARTITIONS: "1",
    GROUP_PREFIX: uniqueName("console-sinks"),
    AUTH_DISABLED: "true",
    PSEUDONYM_KEY: "console-test-pseudonym-key-0123456789",
  };
  sinks = new SinkServices();
  await sinks.start(env, 21200);
  await waitUntil("every sink stored the delivered events", async () => (await counts()).every((n, i) => n === [8, 7, 8][i]), 90_000, 500);
  // A write lost in one sink: check-in no longer holds one event.
  removedFromCheckin = ids[0] as string;
  await sql.query("DELETE FROM checkin.processed_unlocks WHERE event_log_id = $1", [removedFromCheckin]);

  const config = loadConsoleConfig({
    ...env,
    PARAKEY_API_URL: sim.url,
    PARAKEY_API_TOKENS: `demo=${TOKEN}`,
    KAFKA_GROUP_IDS: ["audit", "billing", "checkin"].map((s) => `${env.GROUP_PREFIX}-${s}`).join(","),
  });
  const registry = new Registry();
  parts = await wireConsole(config, {
    log,
    clock: systemClock,
    metrics: consoleMetrics(registry),
    producer: (k) => new BatchingProducer(k, { log, registry, sendTimeoutMs: 30_000 }),
  });
  await parts.producer.start();
}, 240_000);

afterAll(async () => {
  await parts?.producer.stop();
  await parts?.close();
  await sinks?.stop();
  await sim?.close();
  await sql?.end();
  await database?.drop();
});

/** Rows of the test's events in audit, billing and check-in. */
async function counts(): Promise<number[]> {
  const q = async (table: string) => {
    try {
      const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE event_log_id = ANY($1)`, [ids]);
      return rows[0]?.n ?? 0;
    } catch {
      return -1; // the service has not migrated its schema yet
    }
  };
  return [await q("audit.audit_events"), await q("billing.metered_unlocks"), await q("checkin.processed_unlocks")];
}

function auditVerify(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["dist/cli/audit-admin.js", "verify"], {
      cwd: join(repoRoot, "services", "audit"),
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe("reconcile, repair, and the tamper-evident record", () => {
  const range = () => parseRange({ domain: "dom_recon", from: day, to: day }, new Date());

  it("names exactly the ids missing from the topic and from each sink, and records the result", async () => {
    const report = await parts.console.reconcile(range());
    expect(report.verdict).toBe("incomplete");
    expect(report.days).toHaveLength(1);
    const [only] = report.days;
    expect(only?.counts).toEqual({ parakey: 10, topic: 8, audit: 8, billing: 7, checkin: 7 });
    expect(only?.missing.topic).toEqual(withheld);
    expect(only?.missing.audit).toEqual(withheld);
    // Billing meters successful unlocks only: the withheld failed one is not missing there.
    expect(only?.missing.billing).toEqual(withheld.filter((id) => !failedIds.has(id)));
    expect(only?.missing.checkin).toEqual([...withheld, removedFromCheckin].sort());
    expect(Object.values(only?.unknown ?? {}).flat()).toEqual([]);
    const { rows } = await sql.query<{ entry: { id: string; verdict: string } }>("SELECT entry FROM audit.reconciliations ORDER BY seq DESC LIMIT 1");
    expect(rows[0]?.entry).toMatchObject({ id: report.id, verdict: "incomplete" });
  });

  it("repairs by re-sending exactly the missing events, after which the range is complete and nothing was applied twice", async () => {
    const repaired = await parts.console.repairRange(range());
    expect(repaired.resent).toEqual([...withheld, removedFromCheckin].sort());
    expect(repaired.notFound).toEqual([]);
    await waitUntil("the sinks applied the repair", async () => (await counts()).join() === "10,8,10", 90_000, 500);

    const report = await parts.console.reconcile(range());
    expect(report.verdict).toBe("complete");
    expect(report.days[0]?.counts).toEqual({ parakey: 10, topic: 10, audit: 10, billing: 8, checkin: 10 });
    // The re-sent copy of removedFromCheckin reached billing and audit too: both ignored it.
    const meter = await sql.query<{ n: string }>("SELECT successful_unlocks::text AS n FROM billing.usage_meters WHERE domain_id = 'dom_recon'");
    expect(meter.rows.map((r) => r.n)).toEqual(["8"]);
    const dup = await sql.query<{ duplicates: number }>("SELECT duplicates FROM audit.audit_events WHERE event_log_id = $1", [removedFromCheckin]);
    expect(dup.rows[0]?.duplicates).toBe(1);
  });

  it("makes audit verify fail once a recorded reconciliation is edited", async () => {
    expect((await auditVerify()).code).toBe(0);
    await sql.query("ALTER TABLE audit.reconciliations DISABLE TRIGGER reconciliations_append_only");
    await sql.query(
      `UPDATE audit.reconciliations SET entry = jsonb_set(entry, '{verdict}', '"complete"') WHERE seq = 1`,
    );
    const verify = await auditVerify();
    expect(verify.code).toBe(1);
    expect(verify.out).toContain("hash_mismatch");
  });

  it("answers an unknown domain, a reversed range and a future range with clear errors", async () => {
    await expect(parts.console.reconcile(parseRange({ domain: "dom_nowhere", from: day }, new Date()))).rejects.toThrow(
      "unknown domain dom_nowhere",
    );
    expect(() => parseRange({ from: day, to: "2000-01-01" }, new Date())).toThrow("reversed");
    expect(() => parseRange({ from: "2999-01-01" }, new Date())).toThrow("future");
    await expect(parts.console.repairIds(["el_1; DROP TABLE"])).rejects.toThrow("malformed event log id");
  });

  it("traces one event: its copies on the topic with via and trace id, and each sink's row", async () => {
    const path = await parts.console.eventPath(removedFromCheckin);
    expect(path.copies.filter((c) => c.kind === "event").map((c) => c.via)).toEqual(["webhook", "poll"]);
    expect(path.sinks.map((s) => s.sink).sort()).toEqual(["audit", "billing", "checkin"]);
    expect(path.domainId).toBe("dom_recon");
  });
});
