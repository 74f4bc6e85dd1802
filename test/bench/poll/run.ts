// Backfill benchmark (not a test: it prints figures). `pnpm bench:poll [--events N] [--page-size 100,1000]
// [--partitions P] [--seed S] [--domains D] [--locks L] [--users U] [--keep]`.
//
// What an operator's `pnpm backfill` does after an outage, at the size of a busy day: a seeded
// simulated Parakey (the world model of packages/parakey-simulator, in this process on a loopback
// port) holds N event logs whose `createdAt` is spread over 24 hours, offline locks' late uploads
// included. The built backfill command (services/ingress/dist/cli/backfill.js) runs as its own process
// against it and a real broker, once per page size, each time into a fresh topic. Timed from spawn to
// exit; afterwards the topic is read back and must hold exactly the N event ids the simulator stored.
// Reports events/s, pages, wall time, the command's peak RSS and CPU, and the CPU the simulator spent
// answering (it shares the machine's cores with the command and the broker). Uses KAFKA_BROKERS when
// set, otherwise the project's broker launcher on PB_BENCH_KAFKA_PORT (default 19492).
import { spawn } from "node:child_process";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Simulator, type StoredEventLog, startSimulator } from "@parakey-bridge/parakey-simulator";
import { type BenchBroker, withBenchBroker } from "../lib/broker.js";
import { type ProcessUsage, processUsage } from "../lib/proc.js";
import { root } from "../lib/service.js";
import { idsOnTopic } from "../lib/topic.js";

const backfillCli = join(root, "services", "ingress", "dist", "cli", "backfill.js");
const TOKEN = "bench-poll-token";
const INTEGRATION = "bench";
const DAY = 24 * 3_600_000;

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "100000" },
    "page-size": { type: "string", default: "100,1000" },
    partitions: { type: "string", default: "6" },
    seed: { type: "string", default: "1" },
    domains: { type: "string", default: "10" },
    locks: { type: "string", default: "100" },
    users: { type: "string", default: "1000" },
    "max-minutes": { type: "string", default: "20" },
    keep: { type: "boolean", default: false },
  },
});
const EVENTS = Number(args.events);
const PAGE_SIZES = args["page-size"].split(",").map(Number);
const PARTITIONS = Number(args.partitions);
const log = (line: string) => process.stderr.write(`[bench:poll] ${line}\n`);

/**
 * The simulator's real clock, held on a simulated instant while the day's event logs are generated
 * (so `timestamp` and `createdAt` spread over 24 hours as a busy site's would), real time afterwards.
 */
class ReplayClock {
  at: number | undefined;
  nowMs(): number {
    return this.at ?? Date.now();
  }
  now(): Date {
    return new Date(this.nowMs());
  }
}

/** Loads exactly `count` event logs from the seeded world, one unlock every DAY / count of simulated time. */
function loadDay(sim: Simulator, clock: ReplayClock, count: number): StoredEventLog[] {
  const step = DAY / count;
  const loaded: StoredEventLog[] = [];
  // Offline locks hold unlocks and upload them in bursts, so ticks and event logs do not pair up;
  // the last burst is cut so the store holds exactly `count`.
  while (loaded.length < count) {
    clock.at = (clock.at ?? 0) + step;
    const burst = sim.generator.tick().slice(0, count - loaded.length);
    if (burst.length > 0) loaded.push(...sim.api.addEvents(burst));
  }
  clock.at = undefined;
  return loaded;
}

/** What the sampler saw of the backfill command over its whole run. */
type ProcessSample = Pick<ProcessUsage, "peakRssMiB" | "cpuSeconds">;

interface BackfillRun {
  exitCode: number | null;
  wallSeconds: number;
  /** The command's own summary line ("backfilled N events: P pages, …"). */
  summary: string;
  produced: number;
  pages: number;
  commandSeconds: number;
  sample: ProcessSample;
  simulatorCpuSeconds: number;
}

/** Runs the built backfill command over [from, to) into `topics`, sampling its RSS and CPU until it exits. */
async function runBackfill(
  brokers: string,
  sim: Simulator,
  topics: { events: string; rejected: string; state: string },
  range: { from: Date; to: Date },
  pageSize: number,
): Promise<BackfillRun> {
  const simulatorCpu = process.cpuUsage();
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      backfillCli,
      "--integration",
      INTEGRATION,
      "--from",
      range.from.toISOString(),
      "--to",
      range.to.toISOString(),
      "--page-size",
      String(pageSize),
    ],
    {
      cwd: root,
      // Only what the command reads: nothing of the caller's KAFKA_* or topic settings leaks in.
      env: {
        PATH: process.env.PATH,
        // e.g. BACKFILL_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see where the command spends CPU.
        ...(process.env.BACKFILL_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BACKFILL_NODE_OPTIONS } : {}),
        KAFKA_BROKERS: brokers,
        KAFKA_CLIENT_ID: `bench-poll-${pageSize}`,
        PARAKEY_API_URL: sim.url,
        PARAKEY_API_TOKENS: `${INTEGRATION}=${TOKEN}`,
        TOPIC_EVENT_LOGS: topics.events,
        TOPIC_REJECTED: topics.rejected,
        TOPIC_POLLER_STATE: topics.state,
        TOPIC_PARTITIONS: String(PARTITIONS),
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  // The progress bar (every 5 s without a TTY) and any warning, passed on as they come.
  child.stderr.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) log(`  backfill: ${line.trim()}`);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let sample: ProcessSample = { peakRssMiB: 0, cpuSeconds: 0 };
  const pid = child.pid ?? 0;
  const sampler = setInterval(() => {
    const now = processUsage(pid);
    // A process that has exited but was not reaped yet still shows its CPU time, but no memory.
    if (now)
      sample = {
        peakRssMiB: Math.max(sample.peakRssMiB, now.peakRssMiB),
        cpuSeconds: Math.max(sample.cpuSeconds, now.cpuSeconds),
      };
  }, 100);
  const timeout = setTimeout(() => child.kill("SIGTERM"), Number(args["max-minutes"]) * 60_000);
  const exitCode = await exited;
  const wallSeconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  clearTimeout(timeout);
  const cpu = process.cpuUsage(simulatorCpu);

  const summary = stdout.split("\n").find((line) => line.startsWith("backfilled")) ?? stdout.trim();
  const figure = (pattern: RegExp) => Number(pattern.exec(summary)?.[1] ?? Number.NaN);
  return {
    exitCode,
    wallSeconds,
    summary,
    produced: figure(/^backfilled (\d+) events/),
    pages: figure(/(\d+) pages/),
    commandSeconds: figure(/ in ([\d.]+) s =/),
    sample,
    simulatorCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

async function benchBackfill({ brokers, client }: BenchBroker): Promise<void> {
  const kafka = client("bench-poll");
  const admin = kafka.admin();
  await admin.connect();

  const clock = new ReplayClock();
  clock.at = Date.now() - 3 * DAY;
  const sim = await startSimulator({
    token: TOKEN,
    seed: Number(args.seed),
    domains: Number(args.domains),
    locks: Number(args.locks),
    users: Number(args.users),
    clock,
    // The simulator's default honours only Parakey's documented parameters, where a backfill of this
    // size cannot be paged at all (it stops with a paging violation): measure the oldest-first path.
    paging: { ascending: "honoured" },
  });
  const rows: Record<string, string | number>[] = [];
  const toDelete: string[] = [];
  let simulatorRss = 0;
  try {
    const loadStarted = performance.now();
    const loaded = loadDay(sim, clock, EVENTS);
    const createdAt = loaded.map((eventLog) => Date.parse(String(eventLog.createdAt)));
    const from = new Date(createdAt.reduce((a, b) => Math.min(a, b)));
    const to = new Date(createdAt.reduce((a, b) => Math.max(a, b)) + 1);
    const expected = new Set(loaded.map((eventLog) => String(eventLog.id)));
    const late = loaded.filter(
      (eventLog) => Date.parse(String(eventLog.createdAt)) - Date.parse(String(eventLog.timestamp)) > 60_000,
    ).length;
    log(
      `simulator ${sim.url} holds ${sim.api.stats().eventLogs} event logs (${expected.size} distinct ids, ` +
        `${late} uploaded late by offline locks), createdAt ${from.toISOString()} .. ${to.toISOString()}, ` +
        `loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`,
    );
    log(
      `broker ${brokers}; ${cpus().length} cores shared by the broker, the backfill command and the simulator`,
    );

    for (const pageSize of PAGE_SIZES) {
      const prefix = `bench-poll-${Date.now().toString(36)}-p${pageSize}`;
      const topics = { events: `${prefix}.events`, rejected: `${prefix}.rejected`, state: `${prefix}.state` };
      toDelete.push(topics.events, topics.rejected, topics.state);
      // The event topics exist before a backfill runs (the ingress creates them); the command itself
      // only ensures its checkpoint topic.
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: topics.events, numPartitions: PARTITIONS, replicationFactor: 1 },
          { topic: topics.rejected, numPartitions: 1, replicationFactor: 1 },
        ],
      });
      log(`backfill of ${EVENTS} event logs, page size ${pageSize}, into ${topics.events} ...`);
      const run = await runBackfill(brokers, sim, topics, { from, to }, pageSize);
      if (run.exitCode !== 0) log(`backfill exited with ${run.exitCode}: ${run.summary}`);
      else log(`backfill: ${run.summary}`);

      const readStarted = performance.now();
      const back = await idsOnTopic(kafka, topics.events, {
        groupId: `${prefix}-verify`,
        maxBytes: 64 * 2 ** 20,
        timeoutMs: 120_000,
      });
      const missing = [...expected].filter((id) => !back.ids.has(id)).length;
      const unexpected = [...back.ids].filter((id) => !expected.has(id)).length;
      const duplicates = back.records - back.withoutId - back.ids.size;
      const complete = run.exitCode === 0 && missing === 0 && unexpected === 0 && back.withoutId === 0;
      const verdict = complete
        ? `all ${expected.size} ids`
        : `INCOMPLETE: exit ${run.exitCode ?? "signal"}, ${missing} missing, ${unexpected} unexpected, ` +
          `${back.withoutId} without ce_id`;
      log(
        `read back ${back.records} records (${back.ids.size} distinct ce_id, ${duplicates} duplicates) in ` +
          `${((performance.now() - readStarted) / 1000).toFixed(1)} s: ${verdict}`,
      );
      await admin.deleteGroups([`${prefix}-verify`]).catch(() => undefined);
      if (!complete) process.exitCode = 1;

      rows.push({
        "page size": pageSize,
        "events/s (wall)": complete ? Math.round(EVENTS / run.wallSeconds) : "-",
        "events/s (command)": complete ? Math.round(run.produced / run.commandSeconds) : "-",
        pages: run.pages,
        "wall s": Number(run.wallSeconds.toFixed(1)),
        "peak RSS MiB": Math.round(run.sample.peakRssMiB),
        "command CPU s": Number(run.sample.cpuSeconds.toFixed(1)),
        "simulator CPU s": Number(run.simulatorCpuSeconds.toFixed(1)),
        "on the topic": verdict,
        "duplicate records": duplicates,
      });
    }
  } finally {
    simulatorRss = Math.round(processUsage("self")?.peakRssMiB ?? 0);
    await sim.close();
    if (!args.keep) await admin.deleteTopics({ topics: toDelete }).catch(() => undefined);
    await admin.disconnect();
  }

  process.stdout.write(
    `\nbackfill benchmark: ${EVENTS} simulated event logs from the simulator API into a fresh topic ` +
      `(${PARTITIONS} partitions), the built backfill command as its own process, ${cpus().length} cores\n` +
      `events/s (wall) = events / time from spawn to exit (node start, Kafka connect, checkpoint topic included);\n` +
      `events/s (command) = the command's own figure; peak RSS and CPU are the backfill process's;\n` +
      `simulator: ${simulatorRss} MiB peak RSS (this process, holding the ${EVENTS} event logs)\n`,
  );
  console.table(rows);
}

await withBenchBroker(log, benchBackfill);
