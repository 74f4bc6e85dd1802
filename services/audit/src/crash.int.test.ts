import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deadLetterTopic } from "@parakey-bridge/contracts";
import { createTestDatabase, testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";
import { ChainVerifier } from "./chain/verify.js";
import {
  auditDb,
  caughtUp,
  countRows,
  createTopic,
  deliveries,
  doorEventRecord,
  produce,
  testKafka,
  topicSize,
  waitUntil,
} from "./test-support.js";

const serviceDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const mainJs = join(serviceDir, "dist", "main.js");

function startService(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "./dist/telemetry.js", "dist/main.js"], {
    cwd: serviceDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", process.env.TEST_LOG_LEVEL ? "inherit" : "ignore"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited };
}

describe("the audit service killed while consuming", () => {
  it("holds exactly the produced set after 3 SIGKILLs, counts duplicates exactly, and its chains verify", async () => {
    if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: build first (pnpm build)`);
    const kafka = testKafka();
    const database = await createTestDatabase();
    const db = await auditDb(database.url);
    const topic = await createTopic(kafka, "crash", 3);
    const group = uniqueName("audit-crash");
    const { events, stream } = deliveries(10_000);
    await produce(
      kafka,
      stream.map((event) => doorEventRecord(event, topic)),
    );
    const env = {
      KAFKA_BROKERS: testKafkaBrokers().join(","),
      DATABASE_URL: database.url,
      TOPIC_EVENT_LOGS: topic,
      KAFKA_GROUP_ID: group,
      ENSURE_TOPICS: "false",
      CONSUMER_MAX_BATCH: "100",
      CONSUMER_SESSION_TIMEOUT_MS: "6000",
      PORT: "0",
      ADMIN_PORT: "0",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
      // The service refuses to start without an API auth setting; this test uses only its consumer.
      AUTH_DISABLED: "true",
    };
    try {
      const killedAt: number[] = [];
      for (const atLeast of [1_500, 4_500, 7_500]) {
        const service = startService(env);
        await waitUntil(
          `the service stored ${atLeast} events`,
          async () => (await countRows(db)) >= atLeast,
          120_000,
        );
        service.child.kill("SIGKILL");
        await service.exited;
        killedAt.push(await countRows(db));
      }
      expect(killedAt.every((rows) => rows < events.length)).toBe(true);

      const last = startService(env);
      await waitUntil("the group consumed the topic", () => caughtUp(kafka, group, [topic]), 180_000);
      last.child.kill("SIGTERM");
      expect(await last.exited).toBe(0);

      const { rows } = await db.query<{ event_log_id: string }>("SELECT event_log_id FROM audit_events");
      expect(rows.length).toBe(events.length);
      expect(new Set(rows.map((r) => r.event_log_id))).toEqual(new Set(events.map((e) => e.eventLogId)));
      const { rows: dup } = await db.query<{ n: string }>(
        "SELECT sum(duplicates)::text AS n FROM audit_events",
      );
      expect(Number(dup[0]?.n)).toBe(stream.length - events.length);
      expect(await topicSize(kafka, deadLetterTopic(group))).toBe(0);
      const chains = await new ChainVerifier(db).verifyAll();
      expect(chains.filter((chain) => !chain.ok)).toEqual([]);
      expect(chains.reduce((sum, chain) => sum + chain.rows, 0)).toBe(events.length);
      expect(await countRows(db)).toBe(events.length);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
