// Exactly-once stream benchmark (not a test: it prints figures). `pnpm bench:eos [--events N]
// [--partitions P] [--chunk C] [--concurrency K] [--duplicates F] [--keep]`.
//
// Drains a backlog through the streams service (services/streams): N door events plus a fraction F of
// duplicate deliveries are produced to a fresh topic, then the built service starts as its own
// process with a fresh group and fresh output and state topics, and is timed until its
// `bridge_stream_input_records_total` covers the backlog. Then the deduplicated topic is read back
// with read_committed: the run fails (exit 1) unless every event id is there exactly once. Reports
// events/s, the service's memory, and the state size: the state topic's bytes on disk (own broker
// only) and its key+value bytes, per million ids.
// Uses KAFKA_BROKERS when set, otherwise the project's launcher (broker on PB_BENCH_KAFKA_PORT, 19492).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cpus, homedir, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type DoorEvent, doorEventHeaders, encodeDoorEvent } from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { freePort, LocalKafka } from "@parakey-bridge/testkit/launchers";
import { Kafka, logLevel, type Message, Partitioners } from "kafkajs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const serviceDir = join(root, "services", "streams");

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    partitions: { type: "string", default: "6" },
    chunk: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "6" },
    duplicates: { type: "string", default: "0.05" },
    devices: { type: "string", default: "500" },
    keep: { type: "boolean", default: false },
    "max-minutes": { type: "string", default: "60" },
  },
});
const EVENTS = Number(args.events);
const PARTITIONS = Number(args.partitions);
const DUPLICATES = Number(args.duplicates);
const DEVICES = Number(args.devices);
const log = (line: string) => process.stderr.write(`[bench:eos] ${line}\n`);
const MiB = 1024 * 1024;

/** Resident set size now and at its peak, in MiB (Linux /proc). */
function rssMiB(pid: number): { now: number; peak: number } {
  let status = "";
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return { now: 0, peak: 0 }; // the process has exited
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  return { now: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

/** CPU seconds (user + system) a process has used so far (Linux /proc; 100 ticks a second). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** A DoorEvent as the ingress produces it, built without the zod pass (1M of them must be cheap). */
function doorEvent(index: number, base: number): DoorEvent {
  const timestamp = new Date(base + index * 10);
  const eventLog = eventLogFixture({
    id: `el_bench_${index}`,
    deviceId: `dev_${index % DEVICES}`,
    userId: `usr_${index % 997}`,
    timestamp,
  });
  return {
    eventLogId: String(eventLog.id),
    deviceId: `dev_${index % DEVICES}`,
    domainId: "dom_hq",
    userId: `usr_${index % 997}`,
    success: true,
    occurredAt: timestamp.toISOString(),
    recordedAt: new Date(timestamp.getTime() + 1000).toISOString(),
    receivedAt: new Date(timestamp.getTime() + 1500).toISOString(),
    delayMs: 1000,
    via: "webhook",
    payloadVersion: "1.0",
    eventLog,
  };
}

async function produceBacklog(kafka: Kafka, topic: string): Promise<number> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
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
    const message = { key: event.deviceId, value: encodeDoorEvent(event), headers: doorEventHeaders(event) };
    batch.push(message);
    if ((i * 7919) % 1000 < DUPLICATES * 1000)
      batch.push({ ...message, value: encodeDoorEvent({ ...event, via: "poll" }) });
    if (batch.length >= 5_000) await flush();
    if (i > 0 && i % 250_000 === 0) log(`produced ${i} events`);
  }
  await flush();
  await producer.disconnect();
  return produced;
}

async function metric(adminPort: number, name: string, labels = ""): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    let total = 0;
    for (const match of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)`, "gm"))) {
      if (labels === "" || (match[1] ?? "").includes(labels)) total += Number(match[2]);
    }
    return total;
  } catch {
    return 0;
  }
}

/** Every committed record of a topic, read with read_committed to the end offsets it has now. */
async function readCommitted(
  kafka: Kafka,
  topic: string,
  onRecord: (key: Buffer | null, value: Buffer | null, headers: Message["headers"]) => void,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  for (const p of await admin.fetchTopicOffsets(topic)) {
    if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
  }
  await admin.disconnect();
  if (ends.size === 0) return;
  const consumer = kafka.consumer({
    groupId: `bench-eos-reader-${Date.now()}-${Math.random()}`,
    readUncommitted: false,
    maxBytesPerPartition: 8 * MiB,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const end = ends.get(payload.partition);
      if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) ends.delete(payload.partition);
      if (ends.size === 0) resolve();
    });
    void consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) onRecord(m.key, m.value, m.headers);
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
}

/** Bytes of a topic's partition logs on the benchmark broker's disk (own launcher only). */
function bytesOnDisk(brokerPort: number, topic: string): number | undefined {
  const home = process.env.KAFKA_LOCAL_HOME ?? join(homedir(), ".cache", "parakey-bridge", "kafka");
  const logs = join(home, `data-${brokerPort}`, "logs");
  if (!existsSync(logs)) return undefined;
  let bytes = 0;
  for (const dir of readdirSync(logs).filter((d) => d.startsWith(`${topic}-`))) {
    for (const file of readdirSync(join(logs, dir))) {
      if (file.endsWith(".log")) bytes += statSync(join(logs, dir, file)).size;
    }
  }
  return bytes;
}

async function main(): Promise<void> {
  let brokers = process.env.KAFKA_BROKERS;
  let ownBroker: LocalKafka | undefined;
  let brokerPort: number | undefined;
  if (!brokers) {
    const local = new LocalKafka(Number(process.env.PB_BENCH_KAFKA_PORT ?? 19492));
    brokerPort = local.port;
    if (!(await local.isRunning())) {
      log(`starting a broker on 127.0.0.1:${local.port} ...`);
      ownBroker = local;
    }
    brokers = await local.start({ fresh: ownBroker !== undefined });
  }
  try {
    await drain(brokers, brokerPort);
  } finally {
    await ownBroker?.stop();
  }
}

async function drain(brokers: string, brokerPort: number | undefined): Promise<void> {
  const kafka = new Kafka({ clientId: "bench-eos", brokers: brokers.split(","), logLevel: logLevel.ERROR });
  const stamp = Date.now().toString(36);
  const input = `bench-eos-input-${stamp}`;
  const group = `bench-eos-${stamp}`;
  const topics = {
    TOPIC_DOOR_EVENTS: `bench-eos-door-events-${stamp}`,
    TOPIC_DOOR_EVENTS_ANONYMOUS: `bench-eos-anonymous-${stamp}`,
    TOPIC_DOOR_EVENTS_STATE: `bench-eos-seen-${stamp}`,
  };
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: input, numPartitions: PARTITIONS, replicationFactor: 1 }],
  });

  log(
    `producing ${EVENTS} events (+${DUPLICATES * 100}% duplicate deliveries) to ${input} (${PARTITIONS} partitions)`,
  );
  const records = await produceBacklog(kafka, input);
  log(`produced ${records} records`);

  const adminPort = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, ["--import", "./dist/telemetry.js", "dist/main.js"], {
    cwd: serviceDir,
    env: {
      ...(process.env as Record<string, string>),
      KAFKA_BROKERS: brokers,
      KAFKA_GROUP_ID: group,
      TOPIC_EVENT_LOGS: input,
      ...topics,
      ENSURE_TOPICS: "true",
      TOPIC_PARTITIONS: String(PARTITIONS),
      STREAM_MAX_CHUNK: args.chunk,
      STREAM_PARTITIONS_CONCURRENTLY: args.concurrency,
      PSEUDONYM_KEY: "bench-pseudonym-key-not-a-secret-0123456789abcdef",
      PORT: String(await freePort()),
      ADMIN_PORT: String(adminPort),
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let firstAt: number | undefined;
  let rssAtFirst = 0;
  let done = 0;
  let peak = 0;
  const deadline = Date.now() + Number(args["max-minutes"]) * 60_000;
  let lastReport = Date.now();
  while (done < records && Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    done = await metric(adminPort, "bridge_stream_input_records_total");
    if (child.pid) {
      const rss = rssMiB(child.pid);
      peak = Math.max(peak, rss.peak);
      if (firstAt === undefined && done > 0) rssAtFirst = rss.now;
    }
    if (done > 0 && firstAt === undefined) firstAt = performance.now();
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      const rate = firstAt ? done / ((performance.now() - firstAt) / 1000) : 0;
      log(`${done}/${records} records in committed transactions (${Math.round(rate)}/s so far)`);
    }
  }
  const finished = performance.now();
  const seenIds = await metric(adminPort, "bridge_door_streams_seen_ids");
  const transactions = await metric(adminPort, "bridge_stream_transactions_total", 'result="committed"');
  if (child.pid) peak = Math.max(peak, rssMiB(child.pid).peak);
  const serviceCpu = child.pid ? cpuSeconds(child.pid) : 0;
  child.kill("SIGTERM");
  const exitCode = await exited;

  log("reading the deduplicated topic back with read_committed ...");
  const counts = new Map<string, number>();
  await readCommitted(kafka, topics.TOPIC_DOOR_EVENTS, (_key, _value, headers) => {
    const id = headers?.ce_id?.toString() ?? "";
    counts.set(id, (counts.get(id) ?? 0) + 1);
  });
  let missing = 0;
  for (let i = 0; i < EVENTS; i++) if (!counts.has(`el_bench_${i}`)) missing++;
  const duplicates = [...counts.values()].filter((n) => n > 1).length;
  const extra = [...counts.keys()].filter((id) => !id.startsWith("el_bench_")).length;
  let stateRecords = 0;
  let stateBytes = 0;
  await readCommitted(kafka, topics.TOPIC_DOOR_EVENTS_STATE, (key, value) => {
    stateRecords++;
    stateBytes += (key?.length ?? 0) + (value?.length ?? 0);
  });
  const disk = brokerPort === undefined ? undefined : bytesOnDisk(brokerPort, topics.TOPIC_DOOR_EVENTS_STATE);

  const drainSeconds = (finished - (firstAt ?? finished)) / 1000;
  const perMillion = (bytes: number) => (stateRecords > 0 ? (bytes / stateRecords) * 1e6 : 0);
  const exactlyOnce = missing === 0 && duplicates === 0 && extra === 0 && counts.size === EVENTS;
  const table = {
    cpus: cpus().length,
    events: EVENTS,
    records,
    inputCommitted: done,
    transactions,
    drainSeconds: Number(drainSeconds.toFixed(1)),
    eventsPerSecond: Math.round(EVENTS / drainSeconds),
    recordsPerSecond: Math.round(done / drainSeconds),
    secondsFromProcessStart: Number(((finished - started) / 1000).toFixed(1)),
    // The machine is shared: events per CPU-second of the service is the figure load does not bend.
    serviceCpuSeconds: Number(serviceCpu.toFixed(1)),
    eventsPerServiceCpuSecond: serviceCpu > 0 ? Math.round(EVENTS / serviceCpu) : 0,
    loadAverage1m: Number(loadavg()[0]?.toFixed(1)),
    outputIds: counts.size,
    missingIds: missing,
    duplicatedIds: duplicates,
    exactlyOnce,
    stateIds: stateRecords,
    stateIdsInMemory: seenIds,
    stateKeyValueMiBPerMillion: Number((perMillion(stateBytes) / MiB).toFixed(1)),
    stateDiskMiBPerMillion:
      disk === undefined ? "(external broker: not measured)" : Number((perMillion(disk) / MiB).toFixed(1)),
    rssAtFirstRecordMiB: Math.round(rssAtFirst),
    peakRssMiB: Math.round(peak),
    chunk: Number(args.chunk),
    concurrency: Number(args.concurrency),
    partitions: PARTITIONS,
    serviceExitCode: exitCode,
  };
  process.stdout.write(`\nexactly-once stream benchmark (streams service draining a backlog):\n`);
  for (const [key, value] of Object.entries(table)) process.stdout.write(`  ${key.padEnd(28)} ${value}\n`);

  if (!args.keep) {
    await admin
      .deleteTopics({ topics: [input, ...Object.values(topics), `parakey.event-logs.v1.${group}.dlq`] })
      .catch(() => undefined);
    await admin.deleteGroups([group]).catch(() => undefined);
  }
  await admin.disconnect();
  if (!exactlyOnce || done < records) process.exitCode = 1;
}

await main();
