import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "@parakey-bridge/testkit/launchers";
import type { WebhookTally } from "./load.js";
import { sleep } from "./processes.js";
import { type Figures, readSinks, reconcile, tallyTopic } from "./reconcile.js";
import { type Scenario, scenarios } from "./scenarios.js";
import { ChaosStack } from "./stack.js";

// `pnpm chaos [--short] [--scenarios 1,3,5] [--results <file>]`: the chaos suite (test/chaos/README.md).
const { values } = parseArgs({
  options: {
    short: { type: "boolean", default: false },
    scenarios: { type: "string" },
    results: { type: "string" },
    rate: { type: "string" },
  },
});
const short = values.short ?? false;
const wanted = values.scenarios
  ? new Set(values.scenarios.split(",").map((id) => Number(id.trim())))
  : new Set(short ? [1, 5] : scenarios.map((s) => s.id));
const unknown = [...wanted].filter((id) => !scenarios.some((s) => s.id === id));
if (unknown.length > 0) {
  process.stderr.write(`unknown scenario(s) ${unknown.join(", ")}; there are 1-${scenarios.length}\n`);
  process.exit(2);
}
const rate = Number(values.rate ?? process.env.CHAOS_RATE ?? 10);
const resultsFile = values.results ?? (short ? undefined : join(repoRoot, "test/chaos/RESULTS.md"));
const ports = {
  kafka: Number(process.env.CHAOS_KAFKA_PORT ?? 21000),
  postgres: Number(process.env.CHAOS_PG_PORT ?? 21010),
  http: Number(process.env.CHAOS_HTTP_PORT ?? 21100),
};

const began = Date.now();
const log = (line: string) =>
  process.stdout.write(`[chaos ${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

interface Row {
  scenario: Scenario;
  figures?: Figures;
  notes: string[];
  error?: string;
  seconds: number;
}

const stack = new ChaosStack(ports, { rate, logDir: join(repoRoot, ".data/chaos") });
const rows: Row[] = [];
let failed = false;
try {
  await stack.start(log);
  for (const scenario of scenarios.filter((s) => wanted.has(s.id))) {
    const row = await runScenario(scenario);
    rows.push(row);
    if (row.error || !row.figures || row.figures.lost > 0 || row.figures.appliedTwice > 0) failed = true;
  }
} catch (error) {
  failed = true;
  log(`the suite stopped: ${(error as Error).stack ?? String(error)}`);
} finally {
  await stack.close(log);
}

const table = render(rows);
process.stdout.write(`\n${table}\n`);
if (resultsFile && rows.length > 0) {
  writeFileSync(resultsFile, resultsDocument(table));
  log(`written to ${resultsFile}`);
}
log(
  failed
    ? "FAILED: something was lost, applied twice, or a scenario did not complete"
    : "passed: 0 lost, 0 applied twice",
);
process.exit(failed ? 1 : 0);

async function runScenario(scenario: Scenario): Promise<Row> {
  const started = Date.now();
  log(`scenario ${scenario.id}: ${scenario.title}`);
  const reason = await scenario.unavailable?.();
  if (reason) return { scenario, notes: [`not run: ${reason}`], seconds: 0 };
  const firstIndex = stack.load.created.size;
  const tallyBefore: WebhookTally = { ...stack.load.tally };
  const excessBefore = (await readSinks(stack.pool, [])).excess;
  stack.load.resume();
  let outcome: Awaited<ReturnType<Scenario["run"]>> = { notes: [] };
  let error: string | undefined;
  try {
    outcome = await scenario.run({ stack, short, log });
    await sleep((scenario.tailSeconds ?? (short ? 5 : 10)) * 1000);
  } catch (caught) {
    error = (caught as Error).message;
    log(`scenario ${scenario.id} failed to run its faults: ${error}`);
  } finally {
    stack.load.pause();
  }
  const created = [...stack.load.created.values()].slice(firstIndex);
  const ids = created.map((event) => event.id);
  log(`${created.length} event logs created; settling`);
  const settled = await settle(
    ids,
    created.filter((e) => e.metered).map((e) => e.id),
    short ? 150_000 : 180_000,
  );
  log(settled ? "every event is in every sink" : "settle deadline passed with events missing");
  const sinks = await readSinks(stack.pool, ids);
  const topic = await tallyTopic(stack.brokers);
  const tally = stack.load.tally;
  const figures = reconcile({
    created,
    sinks,
    excessBefore,
    topic,
    healedMs: outcome.healedMs,
    webhook: {
      ok: tally.ok - tallyBefore.ok,
      unavailable: tally.unavailable - tallyBefore.unavailable,
      failed: tally.failed - tallyBefore.failed + tally.otherStatus - tallyBefore.otherStatus,
      dropped: tally.dropped - tallyBefore.dropped,
    },
  });
  if (figures.lost > 0) {
    const missing = created.filter(
      (e) =>
        !sinks.audit.rows.has(e.id) ||
        !sinks.checkin.rows.has(e.id) ||
        (e.metered && !sinks.billing.rows.has(e.id)),
    );
    const onTopic = missing.filter((e) => (topic.get(e.id) ?? 0) > 0).length;
    const answers = new Map<string, number>();
    for (const e of missing) {
      const answer = e.webhookAnswer ?? (e.dropped ? "dropped" : "no 2xx");
      answers.set(answer, (answers.get(answer) ?? 0) + 1);
    }
    outcome.notes.push(
      `lost: ${onTopic} of ${missing.length} on the topic; webhook answers ${[...answers].map(([a, n]) => `${a} ×${n}`).join(", ")}; e.g. ${missing
        .slice(0, 3)
        .map((e) => `${e.id} (created ${new Date(e.createdMs).toISOString()})`)
        .join(", ")}`,
    );
  }
  const bare = tally.unavailableWithoutRetryAfter - tallyBefore.unavailableWithoutRetryAfter;
  if (bare > 0) outcome.notes.push(`${bare} webhook 503 answers without Retry-After`);
  log(
    `scenario ${scenario.id}: lost ${figures.lost}, applied twice ${figures.appliedTwice} (${outcome.notes.join("; ")})`,
  );
  return {
    scenario,
    figures,
    notes: outcome.notes,
    ...(error === undefined ? {} : { error }),
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

/** Until every id is in audit and check-in and every metered id in billing, or the deadline. */
async function settle(ids: string[], metered: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const sinks = await readSinks(stack.pool, ids);
      const complete =
        ids.every((id) => sinks.audit.rows.has(id) && sinks.checkin.rows.has(id)) &&
        metered.every((id) => sinks.billing.rows.has(id));
      if (complete) return true;
    } catch {
      // PostgreSQL may still be coming back
    }
    await sleep(2_000);
  }
  return false;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? "–" : `${(ms / 1000).toFixed(1)} s`;
}

function render(rows: Row[]): string {
  const header = [
    "#",
    "scenario",
    "created",
    "webhook 2xx / 503 / failed / dropped",
    "recovered by poller",
    "topic distinct / duplicates",
    "audit / billing (expected) / check-in rows",
    "lost",
    "applied twice",
    "longest e2e delay",
    "time to recover",
    "result",
  ];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const row of rows) {
    const f = row.figures;
    const result = row.error
      ? `error: ${row.error}`
      : !f
        ? row.notes.join("; ")
        : f.lost === 0 && f.appliedTwice === 0
          ? "pass"
          : "FAIL";
    lines.push(
      `| ${[
        row.scenario.id,
        row.scenario.title,
        f?.created ?? "not run",
        f ? `${f.webhookOk} / ${f.webhook503} / ${f.webhookFailed} / ${f.webhookDropped}` : "",
        f?.recoveredByPoller ?? "",
        f ? `${f.topicDistinct} / ${f.topicDuplicates}` : "",
        f ? `${f.auditRows} / ${f.billingRows} (${f.billingExpected}) / ${f.checkinRows}` : "",
        f?.lost ?? "",
        f?.appliedTwice ?? "",
        f ? seconds(f.maxDelayMs) : "",
        f ? seconds(f.recoverMs) : "",
        result,
      ].join(" | ")} |`,
    );
  }
  const notes = rows
    .filter((row) => row.notes.length > 0)
    .map((row) => `- ${row.scenario.id}: ${row.notes.join("; ")} (${row.seconds} s)`);
  return [...lines, "", ...notes].join("\n");
}

function resultsDocument(table: string): string {
  const version = (command: string, args: string[]) => {
    try {
      return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
        .trim()
        .split("\n")[0];
    } catch {
      return "unknown";
    }
  };
  const load = version("cat", ["/proc/loadavg"]);
  const commit = version("git", ["-C", repoRoot, "rev-parse", "--short", "HEAD"]);
  const kafka = version("sed", [
    "-n",
    "s:.*<kafka.version>\\(.*\\)</kafka.version>.*:\\1:p",
    join(repoRoot, "deploy/kafka-local/pom.xml"),
  ]);
  return `# Chaos suite results

Written by \`pnpm chaos\` (test/chaos/README.md explains the scenarios, the columns and how each
figure is counted). Acceptance: 0 lost and 0 applied twice in every row.

- date: ${new Date().toISOString()}
- commit: ${commit}; Apache Kafka ${kafka} (three KRaft nodes, RF 3, min.insync.replicas=2); Node ${process.version}; ${version("bash", ["-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1 | cut -d/ -f5 | sed 's/^/PostgreSQL /'"])}
- machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB; load average at the end ${load}
- load: ${rate} unlocks/s from the simulated Parakey; webhook retry schedule scaled to 1 min; poll interval 60 s
- run time: ${Math.round((Date.now() - began) / 1000)} s${short ? " (short form)" : ""}

${table}
`;
}
