// Consume benchmark (not a test: it prints figures). `pnpm bench:consume [--service audit|billing|checkin]
// [--events N] [--partitions P] [--batch B] [--concurrency C] [--duplicates F] [--pglite] [--keep]`.
//
// Drains a backlog from Kafka into a consumer service's store, end to end: N door events (plus a fraction
// F of duplicate deliveries) are produced to a fresh topic first, then the built service starts as
// its own process with a fresh consumer group and a fresh database, and is timed until its
// `bridge_consumer_records_processed_total` covers the whole backlog. Reports events/s (from the
// first stored record to the last, and from process start) and the service's peak RSS.
// Uses KAFKA_BROKERS / DATABASE_URL when set, otherwise the project's own launchers (the broker on
// PB_BENCH_KAFKA_PORT, default 19492, shared with the other benchmarks).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type DoorEvent, doorEventHeaders, encodeDoorEvent } from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { freePort, LocalKafka } from "@parakey-bridge/testkit/launchers";
import { Kafka, logLevel, type Message, Partitioners } from "kafkajs";
import pg from "pg";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Each service measured, and the table holding exactly one row per event it applied. */
const SERVICES = {
  audit: { table: "audit.audit_events" },
  billing: { table: "billing.metered_unlocks" },
  checkin: { table: "checkin.processed_unlocks" },
} as const;
type ServiceName = keyof typeof SERVICES;

const { values: args } = parseArgs({
  options: {
    service: { type: "string", default: "audit" },
    events: { type: "string", default: "1000000" },
    partitions: { type: "string", default: "6" },
    batch: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "2" },
    duplicates: { type: "string", default: "0.05" },
    devices: { type: "string", default: "500" },
    domains: { type: "string", default: "50" },
    pglite: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    "max-minutes": { type: "string", default: "60" },
  },
});
const EVENTS = Number(args.events);
const PARTITIONS = Number(args.partitions);
const DUPLICATES = Number(args.duplicates);
const DEVICES = Number(args.devices);
const DOMAINS = Number(args.domains);
const log = (line: string) => process.stderr.write(`[bench:consume] ${line}\n`);
if (!(args.service in SERVICES)) throw new Error(`--service: one of ${Object.keys(SERVICES).join(", ")}`);
const SERVICE = args.service as ServiceName;
const serviceDir = join(root, "services", SERVICE);

/** Peak resident set size of a process in MiB (Linux /proc). */
function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
}

/** A DoorEvent as the ingress produces it, built without the zod pass (1M of them must be cheap). */
function doorEvent(index: number, base: number): DoorEvent {
  const timestamp = new Date(base + index * 10);
  const log = eventLogFixture({
    id: `el_bench_${index}`,
    deviceId: `dev_${index % DEVICES}`,
    domainId: `dom_${index % DOMAINS}`,
    userId: `usr_${index % 997}`,
    timestamp,
  });
  const receivedAt = new Date(timestamp.getTime() + 1500);
  return {
    eventLogId: String(log.id),
    deviceId: `dev_${index % DEVICES}`,
    domainId: `dom_${index % DOMAINS}`,
    userId: `usr_${index % 997}`,
    success: true,
    occurredAt: timestamp.toISOString(),
    recordedAt: new Date(timestamp.getTime() + 1000).toISOString(),
    receivedAt: receivedAt.toISOString(),
    delayMs: 1000,
    via: "webhook",
    payloadVersion: "1.0",
    eventLog: log,
  };
}

/**
 * The W3C trace context the ingress writes on every record: its PRODUCER span's, in a trace the
 * ingress samples at its default ratio of 10 % (`DEFAULT_TRACE_SAMPLE_RATIO`): every tenth event
 * here (flag 01), the rest unsampled (00).
 */
function traceparentOf(index: number): string {
  const id = (index + 1).toString(16);
  const sampled = index % 10 === 0;
  return `00-${id.padStart(32, "0")}-${id.padStart(16, "0")}-${sampled ? "01" : "00"}`;
}

async function produceBacklog(kafka: Kafka, topic: string): Promise<number> {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const base = Date.UTC(2026, 10, 1);
  let produced = 0;
  let batch: Message[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ topic, acks: 1, messages: batch });
    produced += batch.length;
    batch = [];
  };
  for (let i = 0; i < EVENTS; i++) {
    const event = doorEvent(i, base);
    const message = {
      key: event.deviceId,
      value: encodeDoorEvent(event),
      headers: { ...doorEventHeaders(event), traceparent: traceparentOf(i) },
    };
    batch.push(message);
    // A deterministic share of events is delivered twice (webhook retry / poll overlap).
    if ((i * 7919) % 1000 < DUPLICATES * 1000)
      batch.push({ ...message, value: encodeDoorEvent({ ...event, via: "poll" }) });
    if (batch.length >= 5_000) await flush();
    if (i > 0 && i % 200_000 === 0) log(`produced ${i} events`);
  }
  await flush();
  await producer.disconnect();
  return produced;
}

async function processedTotal(adminPort: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    let total = 0;
    for (const match of text.matchAll(
      /^bridge_consumer_records_processed_total\{[^}]*\} (\d+(?:\.\d+)?)/gm,
    )) {
      total += Number(match[1]);
    }
    return total;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  let brokers = process.env.KAFKA_BROKERS;
  let ownBroker: LocalKafka | undefined;
  if (!brokers) {
    // The benchmarks' own broker, not the tests' shared one: a million records would slow the tests
    // running beside it, and their load would skew the figures.
    const local = new LocalKafka(Number(process.env.PB_BENCH_KAFKA_PORT ?? 19492));
    // A broker left running (another benchmark's, a developer's) is used and left alone.
    if (!(await local.isRunning())) {
      log(`starting a broker on 127.0.0.1:${local.port} ...`);
      ownBroker = local;
    }
    brokers = await local.start({ fresh: ownBroker !== undefined });
  }
  try {
    await drainBacklog(brokers);
  } finally {
    await ownBroker?.stop();
  }
}

async function drainBacklog(brokers: string): Promise<void> {
  const kafka = new Kafka({
    clientId: "bench-consume",
    brokers: brokers.split(","),
    logLevel: logLevel.ERROR,
  });
  const stamp = Date.now().toString(36);
  const topic = `bench-consume-${stamp}`;
  const group = `bench-${SERVICE}-${stamp}`;
  const checkinsTopic = `bench-consume-checkins-${stamp}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: PARTITIONS, replicationFactor: 1 },
      // Where the check-in service publishes the check-ins it derives (not measured, but it must exist).
      ...(SERVICE === "checkin"
        ? [{ topic: checkinsTopic, numPartitions: PARTITIONS, replicationFactor: 1 }]
        : []),
    ],
  });

  let databaseUrl: string | undefined;
  let dropDatabase = async (): Promise<void> => undefined;
  if (!args.pglite) {
    const adminUrl =
      process.env.DATABASE_URL ??
      execFileSync("bash", [join(root, "scripts", "postgres.sh"), "ensure"], { encoding: "utf8" }).trim();
    const name = `bench_consume_${stamp}`;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }

  log(
    `producing ${EVENTS} events (+${DUPLICATES * 100}% duplicate deliveries) to ${topic} (${PARTITIONS} partitions)`,
  );
  const produceStarted = performance.now();
  const records = await produceBacklog(kafka, topic);
  const produceSeconds = (performance.now() - produceStarted) / 1000;
  log(`produced ${records} records in ${produceSeconds.toFixed(1)} s`);

  const adminPort = await freePort();
  const dataDir = join(root, ".data", `bench-${SERVICE}-${stamp}`);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    KAFKA_BROKERS: brokers,
    TOPIC_EVENT_LOGS: topic,
    TOPIC_CHECKINS: checkinsTopic,
    // The benchmark reads only /metrics; the services refuse to start without an API auth setting.
    AUTH_DISABLED: "true",
    KAFKA_GROUP_ID: group,
    ENSURE_TOPICS: "false",
    CONSUMER_MAX_BATCH: args.batch,
    CONSUMER_CONCURRENCY: args.concurrency,
    PORT: String(await freePort()),
    ADMIN_PORT: String(adminPort),
    LOG_LEVEL: "warn",
    PGLITE_DATA_DIR: dataDir,
    // e.g. SERVICE_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see where the service spends CPU.
    ...(process.env.SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SERVICE_NODE_OPTIONS } : {}),
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;

  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, ["--import", "./dist/telemetry.js", "dist/main.js"], {
    cwd: serviceDir,
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let firstAt: number | undefined;
  let done = 0;
  let peak = 0;
  const deadline = Date.now() + Number(args["max-minutes"]) * 60_000;
  let lastReport = Date.now();
  while (done < records && Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    done = await processedTotal(adminPort);
    if (done > 0 && firstAt === undefined) firstAt = performance.now();
    if (child.pid && child.exitCode === null) peak = Math.max(peak, peakRssMiB(child.pid));
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      const rate = firstAt ? done / ((performance.now() - firstAt) / 1000) : 0;
      log(`${done}/${records} records processed (${Math.round(rate)}/s so far)`);
    }
  }
  const finished = performance.now();
  if (child.pid && child.exitCode === null) peak = Math.max(peak, peakRssMiB(child.pid));

  let stored: number | undefined;
  let distinctIds: number | undefined;
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const counted = await client.query<{ n: string; ids: string }>(
      `SELECT count(*)::text AS n, count(DISTINCT event_log_id)::text AS ids FROM ${SERVICES[SERVICE].table}`,
    );
    stored = Number(counted.rows[0]?.n);
    distinctIds = Number(counted.rows[0]?.ids);
    await client.end();
  }
  child.kill("SIGTERM");
  const exitCode = await exited;

  const drainSeconds = (finished - (firstAt ?? finished)) / 1000;
  const totalSeconds = (finished - started) / 1000;
  // Complete only when every record was processed and, where the rows can be counted, every event is
  // stored exactly once: as many rows as events, all of them distinct.
  const complete = done >= records && (stored === undefined || (stored === EVENTS && distinctIds === EVENTS));
  const table = {
    service: SERVICE,
    store: databaseUrl ? "PostgreSQL" : "PGlite (embedded)",
    cpus: cpus().length,
    events: EVENTS,
    records,
    processed: done,
    storedRows: stored ?? "(not counted: PGlite is owned by the service)",
    complete,
    drainSeconds: Number(drainSeconds.toFixed(1)),
    eventsPerSecond: Math.round(EVENTS / drainSeconds),
    recordsPerSecond: Math.round(done / drainSeconds),
    secondsFromProcessStart: Number(totalSeconds.toFixed(1)),
    peakRssMiB: Math.round(peak),
    batch: Number(args.batch),
    concurrency: Number(args.concurrency),
    partitions: PARTITIONS,
    serviceExitCode: exitCode,
  };
  process.stdout.write(`\nconsume benchmark (${SERVICE} service draining a backlog):\n`);
  for (const [key, value] of Object.entries(table)) process.stdout.write(`  ${key.padEnd(24)} ${value}\n`);

  await admin
    .deleteTopics({
      topics: [
        topic,
        checkinsTopic,
        `parakey.event-logs.v1.${group}.dlq`,
        `parakey.event-logs.v1.${group}.redrive`,
      ],
    })
    .catch(() => undefined);
  await admin.deleteGroups([group]).catch(() => undefined);
  await admin.disconnect();
  if (!args.keep) await dropDatabase();
  if (!complete) process.exitCode = 1;
}

await main();
