// Ingest benchmark (not a test: it prints figures). `pnpm bench:ingest [--seconds S] [--requests N]
// [--connections C] [--linger 0,2,5] [--compression none,gzip] [--repeat R] [--max-seconds S]`.
//
// Load on loopback against the real broker: the built ingress as its own process, driven by autocannon
// with realistic event logs (a fresh id per request, 200 locks), then the same records through a bare
// kafkajs producer in this process: the ceiling a Node process reaches on this machine. Uses
// KAFKA_BROKERS when set, otherwise starts its own broker with the project's launcher.
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { doorEventHeaders, encodeDoorEvent, normalizeEventLog } from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { freePort } from "@parakey-bridge/testkit/launchers";
import autocannon from "autocannon";
import { CompressionTypes, type Kafka, type Message, Partitioners } from "kafkajs";
import { withBenchBroker } from "../lib/broker.js";
import { processUsage } from "../lib/proc.js";
import { ingressEnv, spawnService, stopProcess, waitForLine } from "../lib/service.js";

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

interface LoadResult {
  result: autocannon.Result;
  /** Measured here: autocannon's own start/finish are whole seconds. */
  seconds: number;
}

/** Drives the webhook for `seconds`, or until `amount` requests were sent, whichever comes first. */
function load(port: number, seconds: number, amount: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    let issued = 0;
    const started = performance.now();
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: CONNECTIONS,
        duration: seconds,
        timeout: 20,
        requests: [
          {
            method: "POST",
            path: "/webhooks/parakey",
            headers: { "content-type": "application/json", "x-parakey-secret": SECRET },
            setupRequest: (request) => {
              issued += 1;
              if (issued === amount) setImmediate(() => instance.stop());
              return { ...request, body: eventLogBody() };
            },
          },
        ],
      },
      (error, result) => {
        if (error) reject(error);
        else resolve({ result, seconds: (performance.now() - started) / 1000 });
      },
    );
  });
}

async function benchIngress(brokers: string, linger: number, compression: string): Promise<void> {
  const ingress = await startIngress(brokers, linger, compression);
  try {
    await load(ingress.port, 2, 4000); // warm-up: JIT, connections, metadata
    const { result, seconds } = await load(ingress.port, SECONDS, REQUESTS);
    const rss = processUsage(ingress.child.pid ?? 0) ?? { rssMiB: 0, peakRssMiB: 0 };
    const run = `ingress linger=${linger}ms compression=${compression}`;
    samples.set(run, samples.get(run) ?? []);
    samples.get(run)?.push({
      run,
      requests: result.requests.total,
      perSecond: Math.round(result.requests.total / seconds),
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      rssMiB: `${rss.rssMiB.toFixed(0)} (peak ${rss.peakRssMiB.toFixed(0)})`,
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
      process.stderr.write(
        `ingest benchmark: ${REQUESTS} requests, ${CONNECTIONS} connections, broker ${brokers}, ` +
          `${cpus().length} cores shared by broker, ingress and load generator\n`,
      );
      for (let round = 0; round < REPEAT; round++) {
        for (const compression of compressions) {
          for (const linger of lingers) await benchIngress(brokers, linger, compression);
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
      "RSS MiB": r.rssMiB,
    })),
  );
  // A run with failed requests measured something other than the ingress doing its work.
  const failed = [...samples.values()].flat().filter((r) => r.non2xx > 0 || r.errors > 0);
  if (failed.length > 0) {
    console.error(
      `runs with failed requests: ${failed.map((r) => `${r.run} (${r.non2xx} non-2xx, ${r.errors} errors)`).join("; ")}`,
    );
    process.exitCode = 1;
  }
}

await main();
