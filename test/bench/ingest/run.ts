// Ingest benchmark (not a test: it prints figures). `pnpm bench:ingest [--seconds S] [--requests N]
// [--connections C] [--linger 0,2,5] [--compression none,gzip] [--repeat R] [--max-seconds S]`.
//
// Load on loopback against the real broker: the built ingress as its own process, driven by wrk (a
// native load generator, so its own CPU is small; the script bench:peers uses) with realistic event
// logs (a fresh id per request, 200 locks); every request answered 2xx must then be on the topic.
// Then the same records through a bare kafkajs producer in this process (--requests of them): the
// ceiling a Node process reaches on this machine. Uses KAFKA_BROKERS when set, otherwise starts its
// own broker with the project's launcher.
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { doorEventHeaders, encodeDoorEvent, normalizeEventLog } from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { freePort } from "@parakey-bridge/testkit/launchers";
import { CompressionTypes, type Kafka, type Message, Partitioners } from "kafkajs";
import { withBenchBroker } from "../lib/broker.js";
import { processUsage } from "../lib/proc.js";
import { ingressEnv, spawnService, stopProcess, waitForLine } from "../lib/service.js";
import { idsOnTopic } from "../lib/topic.js";
import { countIdsOfRun, ensureDebianPackages, runWrk, writeWebhookScript } from "../lib/wrk.js";

const SECRET = "bench-secret-0123456789abcdef";
const DEVICES = 200;

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "40000" },
    seconds: { type: "string", default: "8" },
    connections: { type: "string", default: "50" },
    linger: { type: "string", default: "0,2,5" },
    compression: { type: "string", default: "none,gzip" },
    "max-seconds": { type: "string", default: "60" },
    repeat: { type: "string", default: "3" },
  },
});
const REQUESTS = Number(args.requests);
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const MAX_SECONDS = Number(args["max-seconds"]);
const REPEAT = Number(args.repeat);
const lingers = args.linger.split(",").map(Number);
const compressions = args.compression.split(",") as ("none" | "gzip")[];

interface Row {
  run: string;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  rssMiB: string;
  /** The ingress's CPU (user + system) per request of the measured run; "-" for the bare producer. */
  cpuMicros: string;
  /** Requests answered 2xx whose id is not on the topic: must be 0. */
  missing?: number;
}
const rows: Row[] = [];
/** Ingress runs by configuration: repeated and interleaved, reported as the median run. */
const samples = new Map<string, Row[]>();

function eventLogBody(): string {
  return JSON.stringify(eventLogFixture({ deviceId: `lock-${Math.floor(Math.random() * DEVICES)}` }));
}

async function startIngress(brokers: string, linger: number, compression: string) {
  const port = await freePort();
  const adminPort = await freePort();
  const prefix = `bench-${Date.now().toString(36)}-${linger}-${compression}`;
  const child = spawnService(
    "ingress",
    {
      PATH: process.env.PATH,
      // e.g. INGRESS_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see where the ingress spends CPU.
      ...(process.env.INGRESS_NODE_OPTIONS ? { NODE_OPTIONS: process.env.INGRESS_NODE_OPTIONS } : {}),
      ...ingressEnv({ brokers, prefix, port, adminPort, secret: SECRET }),
      PRODUCE_LINGER_MS: String(linger),
      PRODUCE_COMPRESSION: compression,
      LOG_LEVEL: "info",
    },
    ["ignore", "pipe", "inherit"],
  );
  await waitForLine(child, "ingress listening", "ingress");
  return { child, port, adminPort, topic: `${prefix}.events` };
}

const script = writeWebhookScript(
  join(mkdtempSync(join(tmpdir(), "bench-ingest-")), "webhook.lua"),
  SECRET,
  DEVICES,
);

async function benchIngress(
  kafka: Kafka,
  brokers: string,
  linger: number,
  compression: string,
): Promise<void> {
  const ingress = await startIngress(brokers, linger, compression);
  const pid = ingress.child.pid ?? 0;
  const runId = Date.now().toString(36);
  const run = `ingress linger=${linger}ms compression=${compression}`;
  try {
    const url = `http://127.0.0.1:${ingress.port}`;
    // warm-up: JIT, connections, metadata
    await runWrk(url, script, { seconds: 2, connections: CONNECTIONS, runId: `${runId}w` });
    const before = processUsage(pid);
    const result = await runWrk(url, script, { seconds: SECONDS, connections: CONNECTIONS, runId });
    const after = processUsage(pid) ?? { rssMiB: 0, peakRssMiB: 0, cpuSeconds: 0 };
    const acknowledged = result.requests - result.non2xx;
    // Every request answered 2xx must be on the topic (one still in flight when wrk stopped may be
    // there uncounted, so the topic may hold more of this run's ids, never fewer).
    const { ids } = await idsOnTopic(kafka, ingress.topic, {
      groupId: `${ingress.topic}.verify`,
      maxBytes: 50 * 2 ** 20,
    });
    const measuredIds = countIdsOfRun(ids, runId);
    samples.set(run, samples.get(run) ?? []);
    samples.get(run)?.push({
      run,
      requests: result.requests,
      perSecond: Math.round(acknowledged / result.seconds),
      p50: result.p50Ms,
      p99: result.p99Ms,
      non2xx: result.non2xx,
      errors: result.socketErrors,
      rssMiB: `${after.rssMiB.toFixed(0)} (peak ${after.peakRssMiB.toFixed(0)})`,
      cpuMicros: String(Math.round(((after.cpuSeconds - (before?.cpuSeconds ?? 0)) * 1e6) / result.requests)),
      missing: Math.max(0, acknowledged - measuredIds),
    });
  } finally {
    const code = await stopProcess(ingress.child);
    if (code !== 0) process.stderr.write(`ingress exited with ${code}\n`);
  }
}

/** The same DoorEvent records the ingress writes, ready for a producer. */
function doorEventMessages(count: number): Message[] {
  return Array.from({ length: count }, () => {
    const log = JSON.parse(eventLogBody()) as unknown;
    const normalized = normalizeEventLog(log, { via: "webhook", receivedAt: new Date() });
    if (!normalized.ok) throw new Error("fixture did not normalize");
    const event = normalized.event;
    return { key: event.deviceId, value: encodeDoorEvent(event), headers: doorEventHeaders(event) };
  });
}

/**
 * A bare kafkajs producer with the ingress's settings (idempotent, acks=all): `CONNECTIONS` records
 * per produce request, back to back (the best coalescing can do), and one `send` per record with
 * `CONNECTIONS` in flight (what kafkajs does without coalescing).
 */
async function benchBareProducer(kafka: Kafka, compression: "none" | "gzip"): Promise<void> {
  const admin = kafka.admin();
  const topic = `bench-bare-${Date.now().toString(36)}-${compression}`;
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 6, replicationFactor: 1 }],
  });
  await admin.disconnect();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const codec = compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;
  const messages = doorEventMessages(REQUESTS);
  const deadline = Date.now() + MAX_SECONDS * 1000;
  try {
    const batchLatencies: number[] = [];
    const started = performance.now();
    let sent = 0;
    for (let i = 0; i < messages.length && Date.now() < deadline; i += CONNECTIONS) {
      const batch = messages.slice(i, i + CONNECTIONS);
      const t = performance.now();
      await producer.sendBatch({ acks: -1, compression: codec, topicMessages: [{ topic, messages: batch }] });
      batchLatencies.push(performance.now() - t);
      sent += batch.length;
    }
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      run: `bare kafkajs, ${CONNECTIONS} per request, compression=${compression}`,
      requests: sent,
      perSecond: Math.round(sent / seconds),
      ...percentiles(batchLatencies),
      non2xx: 0,
      errors: 0,
      rssMiB: `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} (bench process)`,
      cpuMicros: "-",
    });

    if (compression === "none") {
      const singles = messages.slice(0, Math.min(messages.length, 5000));
      const latencies: number[] = [];
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (next < singles.length && Date.now() < deadline) {
            const message = singles[next++] as Message;
            const t = performance.now();
            await producer.send({ topic, acks: -1, messages: [message] });
            latencies.push(performance.now() - t);
          }
        }),
      );
      const secs = (performance.now() - t0) / 1000;
      rows.push({
        run: `bare kafkajs, one send per record, ${CONNECTIONS} in flight`,
        requests: latencies.length,
        perSecond: Math.round(latencies.length / secs),
        ...percentiles(latencies),
        non2xx: 0,
        errors: 0,
        rssMiB: "-",
        cpuMicros: "-",
      });
    }
  } finally {
    await producer.disconnect();
  }
}

function percentiles(values: number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: Math.round(at(0.5) * 10) / 10, p99: Math.round(at(0.99) * 10) / 10 };
}

async function main(): Promise<void> {
  await withBenchBroker(
    (line) => process.stderr.write(`${line}\n`),
    async ({ brokers, client }) => {
      await ensureDebianPackages({ wrk: "wrk" });
      process.stderr.write(
        `ingest benchmark: wrk, ${SECONDS} s per run, ${CONNECTIONS} connections, broker ${brokers}, ` +
          `${cpus().length} cores shared by broker, ingress and load generator\n`,
      );
      const verifier = client("bench-verify");
      for (let round = 0; round < REPEAT; round++) {
        for (const compression of compressions) {
          for (const linger of lingers) await benchIngress(verifier, brokers, linger, compression);
        }
      }
      for (const runs of samples.values()) {
        const sorted = [...runs].sort((a, b) => a.perSecond - b.perSecond);
        const median = sorted[Math.floor(sorted.length / 2)] as Row;
        rows.push({
          ...median,
          run: `${median.run} (median of ${runs.length}: ${sorted.map((r) => r.perSecond).join("/")})`,
        });
      }
      for (const compression of compressions) await benchBareProducer(client("bench-bare"), compression);
    },
  );
  console.log(`\nrequests/records per second, latency in ms (HTTP request / produce request), RSS in MiB`);
  console.table(
    rows.map((r) => ({
      run: r.run,
      n: r.requests,
      "per s": r.perSecond,
      "p50 ms": r.p50,
      "p99 ms": r.p99,
      non2xx: r.non2xx,
      errors: r.errors,
      "CPU µs/req": r.cpuMicros,
      "RSS MiB": r.rssMiB,
      "2xx not on topic": r.missing ?? "-",
    })),
  );
  // A run with failed requests measured something other than the ingress doing its work; one whose
  // acknowledged events are not all on the topic broke the promise.
  const failed = [...samples.values()]
    .flat()
    .filter((r) => r.non2xx > 0 || r.errors > 0 || (r.missing ?? 0) > 0);
  if (failed.length > 0) {
    console.error(
      `runs that failed: ${failed.map((r) => `${r.run} (${r.non2xx} non-2xx, ${r.errors} errors, ${r.missing} acknowledged but not on the topic)`).join("; ")}`,
    );
    process.exitCode = 1;
  }
}

await main();
