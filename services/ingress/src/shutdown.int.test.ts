import type { ChildProcess } from "node:child_process";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { createKafka } from "@parakey-bridge/kafka";
import { readTopic } from "@parakey-bridge/kafka/testing";
import { freePort, testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { authHeaders } from "./testing/fixtures.js";
import { ingressTestEnv, recordCount, startIngressProcess } from "./testing/service-fixture.js";

const TOTAL = 400;
const CONCURRENCY = 40;
const SIGTERM_AFTER = 100;

type Outcome = { kind: "status"; status: number; id: string } | { kind: "network-error" } | { kind: "hung" };

describe("ingress process on SIGTERM under load", () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
  });

  it("answers every request 200 (stored) or non-2xx, leaves none hanging, and exits 0", async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const prefix = uniqueName("ingress-sigterm");
    const topic = `${prefix}.events`;
    const ingress = startIngressProcess(
      ingressTestEnv(prefix, { PORT: String(port), ADMIN_PORT: String(adminPort), LOG_LEVEL: "info" }),
    );
    child = ingress.child;
    const { output, exited } = ingress;
    await ingress.listening;

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
