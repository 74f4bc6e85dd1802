// Consume benchmark (not a test: it prints figures). `pnpm bench:consume [--service audit|billing|checkin]
// [--events N] [--partitions P] [--batch B] [--concurrency C] [--duplicates F] [--instances I] [--pglite]
// [--keep]`. `--instances 2` runs two processes of the service in the one consumer group, as two
// replicas of its Deployment would (PostgreSQL only).
//
// Drains a backlog from Kafka into a consumer service's store, end to end: N door events (plus a fraction
// F of duplicate deliveries) are produced to a fresh topic first, then the built service starts as
// its own process with a fresh consumer group and a fresh database, and is timed until its
// `bridge_consumer_records_processed_total` covers the whole backlog. Reports events/s (from the
// first stored record to the last, and from process start) and the service's peak RSS.
// Uses KAFKA_BROKERS / DATABASE_URL when set, otherwise the project's own launchers (the broker on
// PB_BENCH_KAFKA_PORT, default 19492, shared with the other benchmarks).
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createDatabase, freePort } from "@parakey-bridge/testkit/launchers";
import { logLevel } from "kafkajs";
import pg from "pg";
import { backlogOptions, produceBacklog } from "../lib/backlog.js";
import { type BenchBroker, withBenchBroker } from "../lib/broker.js";
import { watchDrain } from "../lib/drain.js";
import { processUsage } from "../lib/proc.js";
import { metricTotal, root, spawnService } from "../lib/service.js";

/** Each service measured, and the table holding exactly one row per event it applied. */
const SERVICES = {
  audit: { table: "audit.audit_events" },
  billing: { table: "billing.metered_unlocks" },
  checkin: { table: "checkin.processed_unlocks" },
} as const;
type ServiceName = keyof typeof SERVICES;

const { values: args } = parseArgs({
  options: {
    ...backlogOptions,
    service: { type: "string", default: "audit" },
    batch: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "2" },
    instances: { type: "string", default: "1" },
    domains: { type: "string", default: "50" },
    pglite: { type: "boolean", default: false },
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
const INSTANCES = Number(args.instances);
if (!(Number.isInteger(INSTANCES) && INSTANCES >= 1))
  throw new Error("--instances: a whole number, 1 or more");
if (INSTANCES > 1 && args.pglite) throw new Error("--instances: each instance would have its own PGlite");

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

async function drainBacklog({ brokers, client }: BenchBroker): Promise<void> {
  const kafka = client("bench-consume", logLevel.ERROR);
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

  const databaseName = `bench_consume_${stamp}`;
  const database = args.pglite
    ? undefined
    : await createDatabase(
        process.env.DATABASE_URL ??
          execFileSync("bash", [join(root, "scripts", "postgres.sh"), "ensure"], { encoding: "utf8" }).trim(),
        databaseName,
      );
  const databaseUrl = database?.url;

  log(
    `producing ${EVENTS} events (+${DUPLICATES * 100}% duplicate deliveries) to ${topic} (${PARTITIONS} partitions)`,
  );
  const produceStarted = performance.now();
  const records = await produceBacklog(
    kafka,
    topic,
    {
      events: EVENTS,
      devices: DEVICES,
      domains: DOMAINS,
      duplicates: DUPLICATES,
      extraHeaders: (i) => ({ traceparent: traceparentOf(i) }),
    },
    log,
  );
  const produceSeconds = (performance.now() - produceStarted) / 1000;
  log(`produced ${records} records in ${produceSeconds.toFixed(1)} s`);

  const adminPorts = await Promise.all(Array.from({ length: INSTANCES }, () => freePort()));
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
    LOG_LEVEL: "warn",
    PGLITE_DATA_DIR: dataDir,
    // e.g. SERVICE_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see where the service spends CPU.
    ...(process.env.SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SERVICE_NODE_OPTIONS } : {}),
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;

  const started = performance.now();
  const children = await Promise.all(
    adminPorts.map(async (adminPort) =>
      spawnService(SERVICE, { ...env, PORT: String(await freePort()), ADMIN_PORT: String(adminPort) }, [
        "ignore",
        "inherit",
        "inherit",
      ]),
    ),
  );
  const exited = Promise.all(
    children.map(
      (child) => new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code))),
    ),
  );
  // CPU is counted from the first record done to the last, for the service and for the PostgreSQL
  // backends serving the benchmark's database: on shared cores it varies far less than events/s do.
  const cpu = new DrainCpu(
    children.map((child) => child.pid as number),
    databaseUrl,
    databaseName,
  );
  const { done, firstAt, finished, peakRssMiB } = await watchDrain({
    children,
    records,
    maxMinutes: Number(args["max-minutes"]),
    progress: async () => {
      const totals = await Promise.all(
        adminPorts.map((port) => metricTotal(port, "bridge_consumer_records_processed_total")),
      );
      const total = totals.reduce((sum, n) => sum + n, 0);
      if (total > 0) await cpu.startOnce();
      return total;
    },
    what: "records processed",
    log,
  });
  const used = await cpu.finish();

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
  for (const child of children) child.kill("SIGTERM");
  const exitCodes = await exited;

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
    peakRssMiB: Math.round(peakRssMiB),
    serviceCpuMicrosPerEvent: Math.round((used.service * 1e6) / EVENTS),
    postgresCpuMicrosPerEvent:
      used.postgres === undefined ? "(PGlite)" : Math.round((used.postgres * 1e6) / EVENTS),
    batch: Number(args.batch),
    concurrency: Number(args.concurrency),
    partitions: PARTITIONS,
    instances: INSTANCES,
    serviceExitCode: exitCodes.join(", "),
  };
  process.stdout.write(`\nconsume benchmark (${SERVICE} service draining a backlog):\n`);
  for (const [key, value] of Object.entries(table)) process.stdout.write(`  ${key.padEnd(24)} ${value}\n`);

  // Only the topics that exist: kafkajs logs an error for each one a delete does not find.
  const existing = new Set(await admin.listTopics());
  const ours = [
    topic,
    checkinsTopic,
    `parakey.event-logs.v1.${group}.dlq`,
    `parakey.event-logs.v1.${group}.redrive`,
  ];
  await admin.deleteTopics({ topics: ours.filter((name) => existing.has(name)) }).catch(() => undefined);
  await admin.deleteGroups([group]).catch(() => undefined);
  await admin.disconnect();
  if (!args.keep) await database?.drop();
  if (!complete) process.exitCode = 1;
}

/**
 * CPU-seconds used between `startOnce` and `finish` by the service process and by the PostgreSQL
 * backends connected to the benchmark's database (found through pg_stat_activity, read in /proc).
 */
class DrainCpu {
  private start: { service: number; postgres: Map<number, number> } | undefined;

  constructor(
    private readonly pids: readonly number[],
    private readonly databaseUrl: string | undefined,
    private readonly databaseName: string | undefined,
  ) {}

  async startOnce(): Promise<void> {
    if (this.start) return;
    this.start = { service: this.serviceSeconds(), postgres: await this.backends() };
  }

  async finish(): Promise<{ service: number; postgres: number | undefined }> {
    const service = this.serviceSeconds() - (this.start?.service ?? 0);
    if (!this.databaseUrl) return { service, postgres: undefined };
    let postgres = 0;
    for (const [pid, seconds] of await this.backends())
      postgres += seconds - (this.start?.postgres.get(pid) ?? 0);
    return { service, postgres };
  }

  private serviceSeconds(): number {
    return this.pids.reduce((sum, pid) => sum + (processUsage(pid)?.cpuSeconds ?? 0), 0);
  }

  /** CPU-seconds so far of each backend of the database (the benchmark's own query's included: tiny). */
  private async backends(): Promise<Map<number, number>> {
    const seconds = new Map<number, number>();
    if (!this.databaseUrl) return seconds;
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        [this.databaseName],
      );
      for (const { pid } of rows) seconds.set(pid, processUsage(pid)?.cpuSeconds ?? 0);
    } finally {
      await client.end();
    }
    return seconds;
  }
}

await withBenchBroker(log, drainBacklog);
