import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { createKafka } from "@parakey-bridge/kafka";
import { readTopic } from "@parakey-bridge/kafka/testing";
import { freePort, testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authHeaders, SECRET } from "./testing/fixtures.js";
import { recordCount } from "./testing/service-fixture.js";

const serviceDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const TOTAL = 400;
const CONCURRENCY = 40;
const SIGTERM_AFTER = 100;

type Outcome = { kind: "status"; status: number; id: string } | { kind: "network-error" } | { kind: "hung" };

describe("ingress process on SIGTERM under load", () => {
  let child: ChildProcess | undefined;
  const output: string[] = [];

  beforeAll(() => {
    // The test runs the built service, as production does (`node --import ./dist/telemetry.js dist/main.js`).
    if (!existsSync(join(serviceDir, "dist", "main.js"))) {
      execFileSync(
        process.execPath,
        [join(serviceDir, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
        {
          cwd: serviceDir,
        },
      );
    }
  });
  afterAll(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
  });

  it("answers every request 200 (stored) or non-2xx, leaves none hanging, and exits 0", async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const prefix = uniqueName("ingress-sigterm");
    const topic = `${prefix}.events`;
    child = spawn(process.execPath, ["--import", "./dist/telemetry.js", "dist/main.js"], {
      cwd: serviceDir,
      env: {
        PATH: process.env.PATH,
        KAFKA_BROKERS: testKafkaBrokers().join(","),
        KAFKA_CLIENT_ID: prefix,
        HOST: "127.0.0.1",
        PORT: String(port),
        ADMIN_PORT: String(adminPort),
        WEBHOOK_SECRET_HEADER: "x-parakey-secret",
        WEBHOOK_SECRETS: SECRET,
        TOPIC_EVENT_LOGS: topic,
        TOPIC_REJECTED: `${prefix}.rejected`,
        TOPIC_PARTITIONS: "3",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
    const listening = new Promise<void>((resolve, reject) => {
      child?.stdout?.on("data", (chunk: Buffer) => {
        output.push(chunk.toString());
        if (chunk.toString().includes("ingress listening")) resolve();
      });
      child?.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
      void exited.then((code) => reject(new Error(`ingress exited with ${code}:\n${output.join("")}`)));
    });
    await listening;

    const url = `http://127.0.0.1:${port}/webhooks/parakey`;
    const outcomes: Outcome[] = [];
    let next = 0;
    let signalled = false;
    const worker = async () => {
      while (next < TOTAL) {
        next += 1;
        outcomes.push(await deliver(url));
        const ok = outcomes.filter((o) => o.kind === "status" && o.status === 200).length;
        if (!signalled && ok >= SIGTERM_AFTER) {
          signalled = true;
          child?.kill("SIGTERM");
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const code = await exited;

    expect(signalled).toBe(true);
    expect(code, output.join("")).toBe(0);
    expect(outcomes).toHaveLength(TOTAL);
    // A refused or closed connection (after the listener closed) is not a 2xx either: Parakey retries it.
    expect(outcomes.filter((o) => o.kind === "hung")).toEqual([]);
    const statuses = outcomes.flatMap((o) => (o.kind === "status" ? [o.status] : []));
    expect(statuses.filter((s) => s >= 200 && s < 300 && s !== 200)).toEqual([]);
    expect(statuses).not.toContain(410);

    const accepted = outcomes.flatMap((o) => (o.kind === "status" && o.status === 200 ? [o.id] : []));
    expect(accepted.length).toBeGreaterThanOrEqual(SIGTERM_AFTER);
    const kafka = createKafka(
      { brokers: testKafkaBrokers(), clientId: prefix, ssl: false },
      pino({ level: "silent" }),
    );
    const stored = await readTopic(kafka, topic, { count: await recordCount(kafka, topic) });
    const storedIds = new Set(stored.map((r) => r.headers.ce_id));
    expect(accepted.filter((id) => !storedIds.has(id))).toEqual([]);
  });
});

async function deliver(url: string): Promise<Outcome> {
  const log = eventLogFixture({ deviceId: `lock-${Math.floor(Math.random() * 20)}` });
  try {
    const res = await fetch(url, {
      method: "POST",
      body: JSON.stringify(log),
      headers: authHeaders,
      // Far beyond the service's own budgets: reaching it means a request hung.
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    return { kind: "status", status: res.status, id: String(log.id) };
  } catch (error) {
    return (error as Error).name === "TimeoutError" ? { kind: "hung" } : { kind: "network-error" };
  }
}
