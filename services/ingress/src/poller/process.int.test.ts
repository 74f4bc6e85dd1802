import type { ChildProcess } from "node:child_process";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { createKafka } from "@parakey-bridge/kafka";
import { type Simulator, startSimulator } from "@parakey-bridge/parakey-simulator";
import { freePort, metricValue, testKafkaBrokers, uniqueName, waitUntil } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import {
  type IngressProcess,
  ingressTestEnv,
  recordCount,
  startIngressProcess,
} from "../testing/service-fixture.js";
import { decodeCheckpoint } from "./checkpoint.js";
import { allRecords, doorEventsOn, PARAKEY_TOKEN, seedHistory } from "./testing.js";

// The built service as production runs it (`node --import ./dist/telemetry.js dist/main.js`), killed
// with SIGKILL: no shutdown hook runs, exactly like a crashed pod.

const MINUTE = 60_000;

interface Replica extends IngressProcess {
  adminPort: number;
}

const children: ChildProcess[] = [];
const sims: Simulator[] = [];
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const sim of sims.splice(0)) await sim.close();
});

/** The environment of one deployment (shared by its replicas): own topics, own integration. */
function deploymentEnv(parakeyUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return ingressTestEnv(uniqueName("poll-proc"), {
    POLLER_ENABLED: "true",
    PARAKEY_API_URL: parakeyUrl,
    PARAKEY_API_TOKENS: `${uniqueName("proc").toLowerCase()}=${PARAKEY_TOKEN}`,
    POLL_SESSION_TIMEOUT_MS: "6000",
    LOG_LEVEL: "info",
    ...extra,
  });
}

const integrationOf = (env: Record<string, string>) => (env.PARAKEY_API_TOKENS ?? "").split("=")[0] ?? "";

async function startReplica(env: Record<string, string>): Promise<Replica> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const ingress = startIngressProcess({ ...env, PORT: String(port), ADMIN_PORT: String(adminPort) });
  children.push(ingress.child);
  await ingress.listening;
  return { ...ingress, adminPort };
}

/** The sum of a metric's series for one integration, scraped from a replica's admin port. */
function scrape(replica: Replica, metric: string, integration: string): Promise<number> {
  return metricValue(new URL(`http://127.0.0.1:${replica.adminPort}/metrics`), metric, { integration });
}

async function kill(replica: Replica): Promise<void> {
  replica.child.kill("SIGKILL");
  await replica.exited;
}

describe("poller in the built ingress process", () => {
  it("loses no event when SIGKILLed between two pages of a read and restarted (Parakey honouring orderBy=createdAt:ASC: progress is checkpointed mid-read)", async () => {
    // Only an oldest-first read proves (and checkpoints) anything mid-read; newest first, the restart
    // reads the whole window again (the poll-cycle unit tests cover every paging behaviour).
    const sim = await startSimulator({
      token: PARAKEY_TOKEN,
      port: 0,
      seed: 3,
      paging: { ascending: "honoured" },
    });
    sims.push(sim);
    seedHistory(sim);
    const now = Date.now();
    const logs = Array.from({ length: 300 }, (_, i) =>
      eventLogFixture({
        deviceId: `lock-${i % 12}`,
        createdAt: new Date(now - 50 * MINUTE + i * 5_000),
        timestamp: new Date(now - 50 * MINUTE + i * 5_000 - 2_000),
      }),
    );
    sim.api.addEvents(logs);
    // Every request answered slowly: the read of 12 pages takes long enough to kill it in the middle.
    sim.api.faults.inject({ kind: "slow", delayMs: 400, count: 1_000 });
    const env = deploymentEnv(sim.url, {
      POLL_START_DATE: new Date(now - 60 * MINUTE).toISOString(),
      POLL_PAGE_SIZE: "25",
    });
    const kafka = createKafka(
      { brokers: testKafkaBrokers(), clientId: uniqueName("poll-proc-check"), ssl: false },
      pino({ level: "silent" }),
    );
    const topic = env.TOPIC_EVENT_LOGS ?? "";

    const first = await startReplica(env);
    // Kill once two pages are on the topic AND their progress is checkpointed: the checkpoint follows
    // the records' acknowledgement, so a kill right after the records would test nothing mid-read.
    await waitUntil("two pages on the topic and their progress checkpointed", async () => {
      if ((await recordCount(kafka, topic)) < 50) return false;
      const checkpoints = await allRecords(kafka, env.TOPIC_POLLER_STATE ?? "");
      const last = decodeCheckpoint(checkpoints.at(-1)?.value);
      return last.ok && last.checkpoint?.highWaterMark instanceof Date;
    });
    await kill(first);
    const atKill = await recordCount(kafka, topic);
    expect(atKill).toBeLessThan(logs.length); // the kill landed mid-read
    const progress = await allRecords(kafka, env.TOPIC_POLLER_STATE ?? "");
    const saved = decodeCheckpoint(progress.at(-1)?.value);
    expect(saved.ok && saved.checkpoint?.highWaterMark).toBeInstanceOf(Date);
    expect(saved.ok && saved.checkpoint?.lastSuccessAt).toBeUndefined(); // only progress, no finished read

    sim.api.faults.clear();
    await startReplica(env);
    const ids = logs.map((log) => String(log.id));
    await waitUntil("every event after the restart", async () => {
      const events = await doorEventsOn(kafka, topic);
      return ids.every((id) => events.has(id));
    });
  });

  it("polls from one replica only, and the other takes over when it is killed", async () => {
    const sim = await startSimulator({ token: PARAKEY_TOKEN, port: 0, seed: 4, offlineFraction: 0 });
    sims.push(sim);
    seedHistory(sim);
    sim.api.generate(5);
    const env = deploymentEnv(sim.url);
    const integration = integrationOf(env);
    const kafka = createKafka(
      { brokers: testKafkaBrokers(), clientId: uniqueName("poll-proc-check"), ssl: false },
      pino({ level: "silent" }),
    );
    const topic = env.TOPIC_EVENT_LOGS ?? "";

    const a = await startReplica(env);
    await waitUntil(
      "replica A to lead",
      async () => (await scrape(a, "bridge_poll_leader", integration)) === 1,
    );
    await waitUntil("A's first poll", async () => (await recordCount(kafka, topic)) >= 5);
    const b = await startReplica(env);
    // B's join rebalances the group; A ends its term, rejoins, is re-elected (sticky) and polls again.
    await waitUntil(
      "A re-elected after B joined",
      async () => (await scrape(a, "bridge_poll_cycles_total", integration)) >= 2,
    );
    expect(await scrape(a, "bridge_poll_leader", integration)).toBe(1);
    expect(await scrape(b, "bridge_poll_leader", integration)).toBe(0);
    expect(await scrape(b, "bridge_poll_cycles_total", integration)).toBe(0);

    await kill(a);
    sim.api.generate(5);
    await waitUntil("B to take over", async () => (await scrape(b, "bridge_poll_leader", integration)) === 1);
    const ids = sim.api
      .eventLogs()
      .map((log) => String(log.id))
      .filter((id) => !id.startsWith("el_history_"));
    await waitUntil("the events created after A died, polled by B", async () => {
      const events = await doorEventsOn(kafka, topic);
      return ids.every((id) => events.has(id));
    });
    expect(await scrape(b, "bridge_poll_cycles_total", integration)).toBeGreaterThanOrEqual(1);
  });
});
