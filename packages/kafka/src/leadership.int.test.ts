import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { testKafkaBrokers, uniqueName, waitUntil } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "./client.js";
import { readLatestByKey } from "./compacted-topic.js";
import { PartitionLeadership } from "./leadership.js";
import { BatchingProducer } from "./producer.js";

const log = pino({ level: "silent" });

describe("partition leadership and compacted state on the real broker", () => {
  const kafka = createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName("lead"), ssl: false }, log);
  const topic = uniqueName("lead-state");
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: "cleanup.policy", value: "compact" }],
        },
      ],
    });
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it("elects exactly one of two candidates, keeps it when the second joins, and hands over when it leaves", async () => {
    const group = uniqueName("lead-group");
    const terms: { who: string; signal: AbortSignal }[] = [];
    const candidate = (who: string) =>
      new PartitionLeadership({
        kafka,
        group,
        topic,
        log,
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 500,
        onElected: (term) => terms.push({ who, signal: term.signal }),
      });
    const first = candidate("first");
    const second = candidate("second");
    await first.start();
    await waitUntil("the first candidate to lead", () => first.isLeader);
    await second.start();
    // The second member's join rebalances the group: the first ends its term, rejoins, and keeps the lead.
    await waitUntil("a rebalance", () => terms.length >= 2);
    await waitUntil("a leader after the rebalance", () => first.isLeader || second.isLeader);
    expect(first.isLeader).toBe(true);
    expect(second.isLeader).toBe(false);
    expect(terms.every((t) => t.who === "first")).toBe(true);
    expect(terms.filter((t) => !t.signal.aborted)).toHaveLength(1);

    await first.stop();
    expect(terms.every((t) => t.signal.aborted)).toBe(true);
    await waitUntil("the second candidate to take over", () => second.isLeader);
    expect(terms.filter((t) => !t.signal.aborted).map((t) => t.who)).toEqual(["second"]);
    await second.stop();
  });

  it("lets a leader paused past its session timeout rejoin as a follower, leaving the lead with the member that took over", async () => {
    const group = uniqueName("lead-fence");
    // The paused leader's client id sorts first, so a claim it made on rejoining would win the tie
    // between two claimants (chooseLeader): only giving up its claim keeps the lead where it went.
    const paused = spawnCandidate({ clientId: `aaa-${group}`, group, topic });
    try {
      await waitUntil("the first candidate to lead", () => paused.lines.includes("elected"));
      const survivorTerms: AbortSignal[] = [];
      const survivor = new PartitionLeadership({
        kafka: createKafka({ brokers: testKafkaBrokers(), clientId: `zzz-${group}`, ssl: false }, log),
        group,
        topic,
        log,
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 500,
        onElected: (term) => survivorTerms.push(term.signal),
      });
      await survivor.start();
      // The survivor's join rebalances the group; the first candidate keeps the lead.
      await waitUntil(
        "the first candidate to keep the lead after the second joined",
        () => paused.lines.filter((line) => line === "elected").length >= 2 && !survivor.isLeader,
      );

      paused.child.kill("SIGSTOP"); // a GC pause, a frozen node: no heartbeats, no timers
      await waitUntil("the survivor to take over from the silent leader", () => survivor.isLeader);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const linesBeforeWaking = paused.lines.length;
      const termsBefore = survivorTerms.length;
      paused.child.kill("SIGCONT");

      // It fences itself, finds it was evicted, and rejoins: a rebalance that ends the survivor's term
      // and hands out the lead again.
      await waitUntil("the woken leader to end its term", () =>
        paused.lines.slice(linesBeforeWaking).includes("ended"),
      );
      await waitUntil(
        "the rebalance caused by the woken member's rejoin",
        () => survivorTerms.length > termsBefore && survivor.isLeader,
      );
      expect(survivor.isLeader).toBe(true);
      expect(paused.lines.slice(linesBeforeWaking)).not.toContain("elected");
      expect(survivorTerms.filter((signal) => !signal.aborted)).toHaveLength(1);
      await survivor.stop();
    } finally {
      paused.child.kill("SIGKILL");
    }
  }, 90_000);

  it("reads the latest value per key of a compacted topic up to its end, tombstones included", async () => {
    const producer = new BatchingProducer(kafka, { log, registry: new Registry() });
    await producer.start();
    const value = (text: string) => Buffer.from(text);
    await producer.send({ topic, key: "a", value: value("a1") });
    await producer.send({ topic, key: "b", value: value("b1") });
    await producer.send({ topic, key: "a", value: value("a2") });
    await producer.send({ topic, key: "c", value: value("c1") });
    await producer.send({ topic, key: "c", value: null as unknown as Buffer });
    await producer.stop();

    const latest = await readLatestByKey(kafka, topic, { log, keep: (key) => key !== "b" });
    expect(latest.get("a")?.toString()).toBe("a2");
    expect(latest.has("b")).toBe(false);
    expect(latest.get("c")).toBeNull();
  });

  it("reads an empty topic as an empty map without joining a group", async () => {
    const empty = uniqueName("lead-empty");
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: empty, numPartitions: 1 }] });
    expect((await readLatestByKey(kafka, empty, { log })).size).toBe(0);
    await admin.deleteTopics({ topics: [empty] }).catch(() => undefined);
  });
});

/**
 * A leadership candidate in its own process (so it can be paused with SIGSTOP while the test's own
 * candidate runs on): prints "elected" and "ended" for each term.
 */
function spawnCandidate(options: { clientId: string; group: string; topic: string }): {
  child: ChildProcess;
  lines: string[];
} {
  const source = pathToFileURL(fileURLToPath(new URL("./index.ts", import.meta.url))).href;
  const dir = mkdtempSync(join(tmpdir(), "lead-candidate-"));
  const script = join(dir, "candidate.mts");
  writeFileSync(
    script,
    `import { createKafka, PartitionLeadership } from ${JSON.stringify(source)};
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {}, child() { return quiet; } };
const log = quiet as never;
const kafka = createKafka({ brokers: ${JSON.stringify(testKafkaBrokers())}, clientId: ${JSON.stringify(options.clientId)}, ssl: false }, log);
const leadership = new PartitionLeadership({
  kafka, group: ${JSON.stringify(options.group)}, topic: ${JSON.stringify(options.topic)}, log,
  sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500,
  onElected: (term) => {
    process.stdout.write("elected\\n");
    term.signal.addEventListener("abort", () => process.stdout.write("ended\\n"));
  },
});
await leadership.start();
`,
  );
  const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@parakey-bridge/source", script], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  let buffered = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts.filter((line) => line.length > 0));
  });
  return { child, lines };
}
