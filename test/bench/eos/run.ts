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
import { existsSync, readdirSync, statSync } from "node:fs";
import { cpus, homedir, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort, readToEnd } from "@parakey-bridge/testkit/launchers";
import { logLevel } from "kafkajs";
import { backlogOptions, produceBacklog } from "../lib/backlog.js";
import { type BenchBroker, withBenchBroker } from "../lib/broker.js";
import { watchDrain } from "../lib/drain.js";
import { processUsage } from "../lib/proc.js";
import { metricTotal, spawnService } from "../lib/service.js";

const { values: args } = parseArgs({
  options: {
    ...backlogOptions,
    chunk: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "6" },
  },
});
const EVENTS = Number(args.events);
const PARTITIONS = Number(args.partitions);
const DUPLICATES = Number(args.duplicates);
const DEVICES = Number(args.devices);
const log = (line: string) => process.stderr.write(`[bench:eos] ${line}\n`);
const MiB = 1024 * 1024;

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

async function drain({ brokers, localPort: brokerPort, client }: BenchBroker): Promise<void> {
  const kafka = client("bench-eos", logLevel.ERROR);
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
  const records = await produceBacklog(
    kafka,
    input,
    { events: EVENTS, devices: DEVICES, duplicates: DUPLICATES },
    log,
  );
  log(`produced ${records} records`);

  const adminPort = await freePort();
  const started = performance.now();
  const child = spawnService(
    "streams",
    {
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
    ["ignore", "inherit", "inherit"],
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const { done, firstAt, finished, rssAtFirstMiB, peakRssMiB } = await watchDrain({
    children: [child],
    records,
    maxMinutes: Number(args["max-minutes"]),
    progress: () => metricTotal(adminPort, "bridge_stream_input_records_total"),
    what: "records in committed transactions",
    log,
  });
  const seenIds = await metricTotal(adminPort, "bridge_door_streams_seen_ids");
  const transactions = await metricTotal(adminPort, "bridge_stream_transactions_total", 'result="committed"');
  const serviceCpu = child.pid ? (processUsage(child.pid)?.cpuSeconds ?? 0) : 0;
  child.kill("SIGTERM");
  const exitCode = await exited;

  log("reading the deduplicated topic back with read_committed ...");
  const counts = new Map<string, number>();
  const reading = { timeoutMs: Number(args["max-minutes"]) * 60_000, maxBytesPerPartition: 8 * MiB };
  await readToEnd(
    kafka,
    topics.TOPIC_DOOR_EVENTS,
    (message) => {
      const id = message.headers?.ce_id?.toString() ?? "";
      counts.set(id, (counts.get(id) ?? 0) + 1);
    },
    reading,
  );
  let missing = 0;
  for (let i = 0; i < EVENTS; i++) if (!counts.has(`el_bench_${i}`)) missing++;
  const duplicates = [...counts.values()].filter((n) => n > 1).length;
  const extra = [...counts.keys()].filter((id) => !id.startsWith("el_bench_")).length;
  let stateRecords = 0;
  let stateBytes = 0;
  await readToEnd(
    kafka,
    topics.TOPIC_DOOR_EVENTS_STATE,
    ({ key, value }) => {
      stateRecords++;
      stateBytes += (key?.length ?? 0) + (value?.length ?? 0);
    },
    reading,
  );
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
    rssAtFirstRecordMiB: Math.round(rssAtFirstMiB),
    peakRssMiB: Math.round(peakRssMiB),
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

await withBenchBroker(log, drain);
