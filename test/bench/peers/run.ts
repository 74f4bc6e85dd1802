// Side-by-side benchmark (not a test: it prints figures). `pnpm bench:peers [--seconds S]
// [--connections C] [--repeat R] [--ceiling-records N] [--systems ingress,ingress-untraced,peer,ceiling]
// [--pace R]`. With --pace, every HTTP system gets about R requests/s (wrk waits between a response
// and a connection's next request), so CPU per request is compared at one rate.
//
// One single-node broker, one native load generator (wrk, the same script for every HTTP system) and,
// in interleaved rounds, each system publishing the same event logs:
// - our ingress (the default settings: idempotent producer, acks=all, a tenth of traces recorded),
//   once more recording every trace, and once with the OpenTelemetry SDK off;
// - @platformatic/kafka-hooks, the nearest HTTP->Kafka peer in the Node ecosystem (acks=1: the
//   strongest acknowledgement it offers), pinned in ./kafka-hooks;
// - Kafka's own ProducerPerformance (acks=all, idempotence), the ceiling for records of that size.
// Every figure is checked against the topic afterwards: a run whose acknowledged records are not all
// there fails the benchmark. Traffic stays on 127.0.0.1.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { cpus, homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { freePort } from "@parakey-bridge/testkit/launchers";
import type { Admin, Kafka, KafkaMessage } from "kafkajs";
import { withBenchBroker } from "../lib/broker.js";
import { type ProcessUsage, processUsage } from "../lib/proc.js";
import { ingressEnv, root, spawnService, stopProcess, waitForLine } from "../lib/service.js";
import { ceId, idsOnTopic } from "../lib/topic.js";
import {
  countIdsOfRun,
  ensureDebianPackages,
  type LoadResult,
  runWrk,
  writeWebhookScript,
  wrkScript,
} from "../lib/wrk.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const SECRET = "bench-secret-0123456789abcdef";
const DEVICES = 200;

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    pace: { type: "string" },
    repeat: { type: "string", default: "3" },
    "ceiling-records": { type: "string", default: "500000" },
    systems: { type: "string", default: "ingress,ingress-traced-all,ingress-untraced,peer,ceiling" },
  },
});
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
/** wrk's pause per connection between a response and the next request, for `--pace` requests/s. */
const DELAY_MS =
  args.pace === undefined ? undefined : Math.max(1, Math.round((CONNECTIONS * 1000) / Number(args.pace)) - 1);
const REPEAT = Number(args.repeat);
const CEILING_RECORDS = Number(args["ceiling-records"]);
const systems = args.systems.split(",") as SystemName[];

type SystemName = "ingress" | "ingress-traced-all" | "ingress-untraced" | "peer" | "ceiling";
type Tracing = "default" | "all" | "off";

interface Sample {
  system: SystemName;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  acknowledged: number;
  failed: number;
  cpuMicrosPerRequest: number;
  peakRssMiB: number;
  /** Distinct ids of the measured run (not the warm-up) found on the topic; HTTP systems only. */
  measuredIds?: number;
  onTopic: string;
}

// ---------------------------------------------------------------------------------------------
// Set-up: the load generator, the peer and Kafka's tools come from the machine's registries.

/** npm ci of the pinned peer into a cache folder (outside the pnpm workspace), once per version. */
async function ensurePeer(): Promise<string> {
  const source = join(here, "kafka-hooks");
  const lock = readFileSync(join(source, "package-lock.json"), "utf8");
  const version = /"node_modules\/@platformatic\/kafka-hooks":\s*{\s*"version":\s*"([^"]+)"/.exec(lock)?.[1];
  const dir = join(homedir(), ".cache", "parakey-bridge", "peers", `kafka-hooks-${version}`);
  if (!existsSync(join(dir, "node_modules", "@platformatic", "kafka-hooks"))) {
    process.stderr.write(`installing @platformatic/kafka-hooks ${version} from the npm registry ...\n`);
    mkdirSync(dir, { recursive: true });
    for (const file of ["package.json", "package-lock.json"])
      copyFileSync(join(source, file), join(dir, file));
    await run("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: dir,
      timeout: 600_000,
    });
  }
  copyFileSync(join(source, "start.mjs"), join(dir, "start.mjs"));
  return dir;
}

async function ensureKafkaTools(): Promise<string> {
  const { stdout } = await run("bash", [join(root, "deploy", "kafka-local", "kafka-local.sh"), "tools"], {
    timeout: 600_000,
  });
  return stdout.trim();
}

// ---------------------------------------------------------------------------------------------
// Processes.

/** Accepts connections and never answers: where kafka-hooks' consumer half forwards, so it stays parked. */
function startParkedSink(): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = createServer(() => {});
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/parked` });
    });
  });
}

// Load: one wrk script for every HTTP system (test/bench/lib/wrk.ts); a fresh event log id per
// request, 200 locks.

// ---------------------------------------------------------------------------------------------
// The topic, read back: what each system claims it stored must be there.

/** Runs `use` with a connected admin client, disconnected afterwards. */
async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  await withAdmin(kafka, (admin) =>
    admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] }),
  );
}

async function deleteTopic(kafka: Kafka, topic: string): Promise<void> {
  await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [topic] }));
}

async function recordCount(kafka: Kafka, topic: string): Promise<number> {
  const offsets = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

// ---------------------------------------------------------------------------------------------
// The systems.

interface HttpSystem {
  child: ChildProcess;
  url: string;
  script: string;
  topic: string;
  /** The event log id of a record the system wrote. */
  idOf: (message: KafkaMessage) => string | undefined;
  stop(): Promise<void>;
}

async function startIngress(brokers: string, tracing: Tracing, workDir: string): Promise<HttpSystem> {
  const port = await freePort();
  const adminPort = await freePort();
  const prefix = `peers-${Date.now().toString(36)}-ingress`;
  const child = spawnService(
    "ingress",
    {
      PATH: process.env.PATH,
      ...(tracing === "off" ? { OTEL_SDK_DISABLED: "true" } : {}),
      ...(tracing === "all" ? { OTEL_TRACES_SAMPLER: "parentbased_always_on" } : {}),
      ...ingressEnv({ brokers, prefix, port, adminPort, secret: SECRET }),
      LOG_LEVEL: "info",
    },
    ["ignore", "pipe", "inherit"],
  );
  await waitForLine(child, "ingress listening", "ingress");
  const script = writeWebhookScript(join(workDir, `${prefix}.lua`), SECRET, DEVICES, DELAY_MS);
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    script,
    topic: `${prefix}.events`,
    idOf: ceId,
    stop: async () => {
      await stopProcess(child);
    },
  };
}

async function startPeer(
  kafka: Kafka,
  brokers: string,
  peerDir: string,
  workDir: string,
): Promise<HttpSystem> {
  const port = await freePort();
  const topic = `peers-${Date.now().toString(36)}-kafka-hooks`;
  // Our ingress creates its topic at start; kafka-hooks expects it to exist (the broker does not
  // auto-create), so it gets the same 6 partitions here.
  await createTopic(kafka, topic);
  const parked = await startParkedSink();
  const child = spawn(process.execPath, ["start.mjs"], {
    cwd: peerDir,
    env: {
      PATH: process.env.PATH,
      KAFKA_BROKERS: brokers,
      PEER_PORT: String(port),
      PEER_TOPIC: topic,
      PEER_PARKED_URL: parked.url,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await waitForLine(child, "kafka-hooks listening", "kafka-hooks");
  const script = join(workDir, `${topic}.lua`);
  writeFileSync(
    script,
    wrkScript(
      `/topics/${topic}`,
      { "content-type": "application/json" },
      { devices: DEVICES, keyHeader: "x-plt-kafka-hooks-key", delayMs: DELAY_MS },
    ),
  );
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    script,
    topic,
    idOf: ({ value }) => (value ? (JSON.parse(value.toString()) as { id: string }).id : undefined),
    stop: async () => {
      await stopProcess(child);
      parked.server.close();
    },
  };
}

/** The system's process usage; it must still run while it is measured. */
function runningUsage(pid: number): ProcessUsage {
  const usage = processUsage(pid);
  if (!usage) throw new Error(`process ${pid} is gone while being measured`);
  return usage;
}

async function benchHttp(
  system: SystemName,
  start: () => Promise<HttpSystem>,
  kafka: Kafka,
): Promise<Sample> {
  const server = await start();
  const pid = server.child.pid ?? 0;
  const runId = Date.now().toString(36);
  let result: LoadResult;
  let cpuMicros: number;
  let peakRssMiB: number;
  try {
    // warm-up: JIT, connections, metadata
    await runWrk(server.url, server.script, { seconds: 2, connections: CONNECTIONS, runId: `${runId}w` });
    const before = runningUsage(pid);
    result = await runWrk(server.url, server.script, { seconds: SECONDS, connections: CONNECTIONS, runId });
    const after = runningUsage(pid);
    cpuMicros = (after.cpuSeconds - before.cpuSeconds) * 1e6;
    peakRssMiB = after.peakRssMiB;
  } finally {
    await server.stop();
  }
  // Every request of the measured run that was answered 2xx must be on the topic: its distinct ids at
  // least as many as 2xx answers (a request still in flight when wrk stopped may be there uncounted).
  const { records, ids } = await idsOnTopic(kafka, server.topic, {
    groupId: `${server.topic}.verify`,
    maxBytes: 50 * 2 ** 20,
    idOf: server.idOf,
  });
  await deleteTopic(kafka, server.topic);
  const acknowledged = result.requests - result.non2xx;
  const measuredIds = countIdsOfRun(ids, runId);
  return {
    system,
    perSecond: Math.round(acknowledged / result.seconds),
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    acknowledged,
    failed: result.non2xx + result.socketErrors,
    cpuMicrosPerRequest: Math.round(cpuMicros / Math.max(1, result.requests)),
    peakRssMiB: Math.round(peakRssMiB),
    measuredIds,
    onTopic: `${records} records, ${ids.size} distinct ids, ${records - ids.size} duplicates`,
  };
}

/** Kafka's ProducerPerformance with records the size of an event log, acks=all and idempotence. */
async function benchCeiling(
  kafka: Kafka,
  brokers: string,
  toolsDir: string,
  recordSize: number,
): Promise<Sample> {
  const topic = `peers-${Date.now().toString(36)}-ceiling`;
  await createTopic(kafka, topic);
  try {
    // GNU time reports the JVM's own CPU and peak RSS after it exits.
    const { stdout, stderr } = await run(
      "/usr/bin/time",
      [
        "-f",
        "PB_TIME %U %S %M",
        "java",
        "-Xms512m",
        "-Xmx512m",
        "-cp",
        `${toolsDir}/*`,
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        String(CEILING_RECORDS),
        "--record-size",
        String(recordSize),
        "--throughput",
        "-1",
        "--producer-props",
        `bootstrap.servers=${brokers}`,
        "acks=all",
        "enable.idempotence=true",
      ],
      { timeout: 600_000, maxBuffer: 16 * 2 ** 20 },
    );
    const summary = stdout
      .trim()
      .split("\n")
      .filter((line) => line.includes("50th"))
      .pop();
    const m = summary?.match(
      /(\d+) records sent, ([\d.]+) records\/sec .*?, ([\d.]+) ms 50th, ([\d.]+) ms 95th, ([\d.]+) ms 99th/,
    );
    const t = /PB_TIME ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
    if (!m || !t) throw new Error(`unexpected ProducerPerformance output:\n${stdout}\n${stderr}`);
    const sent = Number(m[1]);
    const onTopic = await recordCount(kafka, topic);
    if (onTopic !== sent)
      throw new Error(`ProducerPerformance sent ${sent} records, the topic holds ${onTopic}`);
    return {
      system: "ceiling",
      perSecond: Math.round(Number(m[2])),
      p50Ms: Number(m[3]),
      p99Ms: Number(m[5]),
      acknowledged: sent,
      failed: 0,
      cpuMicrosPerRequest: Math.round(((Number(t[1]) + Number(t[2])) * 1e6) / sent),
      peakRssMiB: Math.round(Number(t[3]) / 1024),
      onTopic: `${onTopic} records (no ids: the tool sends random bytes)`,
    };
  } finally {
    await deleteTopic(kafka, topic);
  }
}

// ---------------------------------------------------------------------------------------------

function median(samples: Sample[]): Sample {
  const sorted = [...samples].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)] as Sample;
}

const LABELS: Record<SystemName, string> = {
  ingress: "parakey-bridge ingress (idempotent, acks=all; 10 % of traces)",
  "ingress-traced-all": "parakey-bridge ingress, every trace recorded",
  "ingress-untraced": "parakey-bridge ingress, OpenTelemetry off",
  peer: "@platformatic/kafka-hooks (acks=1)",
  ceiling: "Kafka ProducerPerformance (idempotent, acks=all)",
};

const TRACING: Record<SystemName, Tracing> = {
  ingress: "default",
  "ingress-traced-all": "all",
  "ingress-untraced": "off",
  peer: "off",
  ceiling: "off",
};

/** What makes a run's figures meaningless: requests that failed, or acknowledged records not on the topic. */
function verify(sample: Sample): string | undefined {
  const label = LABELS[sample.system];
  if (sample.failed > 0) return `${label}: ${sample.failed} requests failed (non-2xx or socket errors)`;
  if (sample.measuredIds === undefined || sample.measuredIds >= sample.acknowledged) return undefined;
  return `${label}: ${sample.acknowledged} acknowledged, ${sample.measuredIds} of their ids on the topic`;
}

async function main(): Promise<void> {
  await ensureDebianPackages({ wrk: "wrk", time: "time" });
  const needsPeer = systems.includes("peer");
  const peerDir = needsPeer ? await ensurePeer() : "";
  const toolsDir = systems.includes("ceiling") ? await ensureKafkaTools() : "";

  const recordSize = Buffer.byteLength(JSON.stringify(eventLogFixture({ id: `el_${"x".repeat(24)}` })));
  const samples = await withBenchBroker(
    (line) => process.stderr.write(`${line}\n`),
    async ({ brokers, client }) => {
      const kafka = client("bench-peers");
      const workDir = mkdtempSync(join(tmpdir(), "pb-peers-"));
      process.stderr.write(
        `peers benchmark: ${SECONDS} s per run, ${CONNECTIONS} connections, ${REPEAT} interleaved rounds, ` +
          (DELAY_MS === undefined
            ? ""
            : `paced at about ${args.pace}/s (${DELAY_MS} ms between requests per connection), `) +
          `broker ${brokers}, ${cpus().length} cores shared by broker, system and load generator, ` +
          `event log ${recordSize} bytes\n`,
      );
      const samples: Sample[] = [];
      for (let round = 0; round < REPEAT; round++) {
        for (const system of systems) {
          const sample =
            system === "ceiling"
              ? await benchCeiling(kafka, brokers, toolsDir, recordSize)
              : await benchHttp(
                  system,
                  system === "peer"
                    ? () => startPeer(kafka, brokers, peerDir, workDir)
                    : () => startIngress(brokers, TRACING[system], workDir),
                  kafka,
                );
          // CPU per request moves with the rate a run reached (the producer's batches grow with it), so
          // each run's pair is printed, not only the median's.
          process.stderr.write(
            `  round ${round + 1}: ${system} ${sample.perSecond}/s, ${sample.cpuMicrosPerRequest} µs CPU/req\n`,
          );
          samples.push(sample);
        }
      }
      return samples;
    },
  );

  const table = systems.map((system) => {
    const runs = samples.filter((s) => s.system === system);
    const m = median(runs);
    return {
      system: LABELS[system],
      "per s (median)": m.perSecond,
      runs: runs.map((r) => r.perSecond).join("/"),
      "p50 ms": m.p50Ms,
      "p99 ms": m.p99Ms,
      "CPU µs/req": m.cpuMicrosPerRequest,
      "peak RSS MiB": m.peakRssMiB,
      failed: m.failed,
      "on the topic": m.onTopic,
    };
  });
  console.log(
    "\nrequests (or records) per second, latency per HTTP request (ceiling: per record), CPU of the serving process",
  );
  console.table(table);
  const failures = samples.map(verify).filter((f): f is string => f !== undefined);
  if (failures.length > 0) {
    console.error(`runs that did not do the whole work:\n${failures.join("\n")}`);
    process.exitCode = 1;
  }
}

await main();
