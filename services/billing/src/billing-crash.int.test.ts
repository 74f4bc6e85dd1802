import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DoorEvent, deadLetterTopic } from "@parakey-bridge/contracts";
import { PostgresDb } from "@parakey-bridge/storage";
import { createTestDatabase, testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { afterAll, describe, expect, it } from "vitest";
import {
  caughtUp,
  createTopic,
  deleteTopics,
  doorEvent,
  doorEventRecord,
  independentMeters,
  produce,
  silentLog,
  storedMeters,
  testKafka,
  waitUntil,
} from "./test-support.js";

const serviceDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const mainJs = join(serviceDir, "dist", "main.js");

/** 10 000 unlocks in 5 UTC domains over January and February; every fifth delivered twice. */
function unlocks(): { events: DoorEvent[]; stream: DoorEvent[] } {
  const start = Date.parse("2026-01-01T00:00:00.000Z");
  const events = Array.from({ length: 10_000 }, (_, i) =>
    doorEvent({
      id: `el_${i}`,
      domainId: `dom_${i % 5}`,
      userId: i % 23 === 0 ? null : `usr_${(i * 13) % 40}`,
      deviceId: `dev_${(i * 3) % 15}`,
      success: i % 10 !== 0,
      occurredAt: new Date(start + i * 8 * 60_000).toISOString(),
    }),
  );
  const stream = events.flatMap((event, i) =>
    i % 5 === 0 ? [event, { ...event, via: "poll" as const }] : [event],
  );
  return { events, stream };
}

/** Starts the built service as its own process, as `pnpm start` would. */
function startBilling(env: Record<string, string>): {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: string[];
} {
  const stderr: string[] = [];
  const child = spawn(process.execPath, ["--import", "./dist/telemetry.js", "dist/main.js"], {
    cwd: serviceDir,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, stderr };
}

describe("billing process killed while metering", () => {
  const kafka = testKafka();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it("meters exactly the independent count after being SIGKILLed 3 times during 10 000 events", async () => {
    expect(existsSync(mainJs), `build the service first: ${mainJs}`).toBe(true);
    const group = uniqueName("billing-crash");
    const [topic, database] = await Promise.all([createTopic(kafka, "billing-crash"), createTestDatabase()]);
    cleanup.push(
      () => database.drop(),
      () =>
        deleteTopics(kafka, [
          topic,
          deadLetterTopic(group),
          deadLetterTopic(group).replace(/\.dlq$/, ".redrive"),
        ]),
    );
    const { events, stream } = unlocks();
    await produce(
      kafka,
      stream.map((event) => doorEventRecord(event, topic)),
    );
    const env = {
      KAFKA_BROKERS: testKafkaBrokers().join(","),
      DATABASE_URL: database.url,
      PORT: "0",
      ADMIN_PORT: "0",
      HOST: "127.0.0.1",
      KAFKA_GROUP_ID: group,
      TOPIC_EVENT_LOGS: topic,
      ENSURE_TOPICS: "false",
      CONSUMER_MAX_BATCH: "50",
      CONSUMER_SESSION_TIMEOUT_MS: "6000",
      CONSUMER_HEARTBEAT_INTERVAL_MS: "1000",
      LOG_LEVEL: "warn",
      // The service refuses to start without an API auth setting; this test uses only its consumer.
      AUTH_DISABLED: "true",
    };
    const db = new PostgresDb({ url: database.url, schema: "billing", log: silentLog });
    cleanup.push(() => db.close());
    const metered = async () => {
      try {
        const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM metered_unlocks");
        return rows[0]?.n ?? 0;
      } catch {
        return 0; // the service has not created its schema yet
      }
    };
    const total = independentMeters(events, () => 0);
    const billable = [...total.values()].reduce((sum, m) => sum + m.successfulUnlocks, 0);

    const killedAt: number[] = [];
    for (const threshold of [1_000, 3_000, 5_000]) {
      const run = startBilling(env);
      cleanup.push(async () => run.child.kill("SIGKILL"));
      await waitUntil(
        `the service metered ${threshold} unlocks`,
        async () => (await metered()) >= threshold || run.child.exitCode !== null,
        120_000,
        10,
      );
      expect(run.child.exitCode, run.stderr.join("")).toBeNull();
      run.child.kill("SIGKILL");
      expect(await run.exited).toBeNull();
      killedAt.push(await metered());
    }
    // Every kill cut the work short: there was still metering to do each time.
    expect(killedAt.every((count) => count < billable)).toBe(true);

    const last = startBilling(env);
    cleanup.push(async () => last.child.kill("SIGKILL"));
    await waitUntil("the group consumed the whole topic", () => caughtUp(kafka, group, [topic]), 180_000);

    expect(await storedMeters(db)).toEqual(total);
    expect(await metered()).toBe(billable);
    const { rows } = await db.query<{ n: string }>(
      "SELECT sum(next_offset)::text AS n FROM consumer_offsets WHERE topic = $1",
      [topic],
    );
    expect(Number(rows[0]?.n)).toBe(stream.length);

    last.child.kill("SIGTERM");
    expect(await last.exited, last.stderr.join("")).toBe(0);
  });
});
