import { setTimeout as sleep } from "node:timers/promises";
import { deadLetterTopic, doorEventRecord } from "@parakey-bridge/contracts";
import { redriveTopic } from "@parakey-bridge/kafka";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { PostgresDb } from "@parakey-bridge/storage";
import {
  caughtUp,
  createTestDatabase,
  metricValue,
  type TestHarness,
  testDatabaseUrl,
  testLog,
  topicSize,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { auditDb, auditPipeline, countRows, doorEvent, it } from "./test-support.js";

/** How long each fault lasts: the 30 s. */
const FAULT_MS = 30_000;
const EVENTS = 2_000;

/**
 * A fresh database migrated by the admin, and a login role for the service that holds only the
 * grants the audit needs — so the admin connection can take them away, or make the role
 * read-only, while the service runs on it.
 */
async function serviceDatabase(statementTimeoutMs?: number) {
  const database = await createTestDatabase();
  const adminDb = await auditDb(database.url);
  const role = uniqueName("svc").replaceAll("-", "_");
  const password = uniqueName("pw");
  // Roles belong to the server: created and dropped through the server's admin database.
  const admin = new PostgresDb({ url: testDatabaseUrl(), schema: "public", log: testLog });
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  await adminDb.exec(`GRANT USAGE ON SCHEMA audit TO ${role};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA audit TO ${role};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA audit TO ${role};`);
  const url = new URL(database.url);
  url.username = role;
  url.password = password;
  const serviceDb = new PostgresDb({
    url: url.toString(),
    schema: "audit",
    log: testLog,
    ...(statementTimeoutMs === undefined ? {} : { statementTimeoutMs }),
  });
  return {
    role,
    adminUrl: database.url,
    admin,
    adminDb,
    serviceDb,
    async close() {
      await serviceDb.close();
      await adminDb.close();
      await database.drop();
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.close();
    },
  };
}

/**
 * Runs the audit consumer on the service role under load: 1 000 events before the fault, 1 000
 * more produced while it lasts. `fault` breaks the database for the role and resolves with the
 * function that heals it, called after FAULT_MS. Afterwards every event must be stored exactly
 * once and nothing dead-lettered.
 */
async function underLoad(
  harness: TestHarness,
  name: string,
  fault: (env: Awaited<ReturnType<typeof serviceDatabase>>) => Promise<() => Promise<void>>,
  statementTimeoutMs?: number,
) {
  const { kafka } = harness;
  const env = await serviceDatabase(statementTimeoutMs);
  const topic = await harness.topic(name, 3);
  const group = uniqueName(`audit-${name}`);
  harness.deleteAtEnd(deadLetterTopic(group), redriveTopic(group));
  const events = Array.from({ length: EVENTS }, (_, i) => doorEvent(i));
  await produceAll(
    kafka,
    events.slice(0, EVENTS / 2).map((event) => doorEventRecord(event, topic)),
  );
  const started = await harness.start(
    (deps) =>
      auditPipeline(deps, { kafka, db: env.serviceDb, group, topic, runner: { maxBatchRecords: 50 } }),
    (pipeline) => pipeline.runner,
  );
  const pipeline = { ...started.service, ...started };
  try {
    await waitUntil("some events are stored", async () => (await countRows(env.adminDb)) > 100);
    const heal = await fault(env);
    const faultAt = Date.now();
    const load = (async () => {
      for (let i = EVENTS / 2; i < EVENTS; i += 100) {
        await produceAll(
          kafka,
          events.slice(i, i + 100).map((event) => doorEventRecord(event, topic)),
        );
        await sleep(FAULT_MS / 12);
      }
    })();
    await waitUntil(
      "the consumer reports itself not ready",
      async () => !(await pipeline.runner.check.ready?.()),
    );
    expect(pipeline.runner.check.live?.()).toBe(true);
    await load;
    await sleep(Math.max(0, FAULT_MS - (Date.now() - faultAt)));
    expect(await caughtUp(kafka, group, [topic])).toBe(false);
    await heal();

    await waitUntil("the group consumed the topic", () => caughtUp(kafka, group, [topic]), 90_000);
    expect(await topicSize(kafka, deadLetterTopic(group))).toBe(0);
    expect(await metricValue(pipeline.registry, "bridge_consumer_dlq_records_total", { group })).toBe(0);
    const { rows } = await env.adminDb.query<{ n: string; distinct: string }>(
      "SELECT count(*)::text AS n, count(DISTINCT event_log_id)::text AS distinct FROM audit_events",
    );
    expect(rows[0]).toEqual({ n: String(EVENTS), distinct: String(EVENTS) });
    await waitUntil(
      "the consumer is ready again",
      async () => (await pipeline.runner.check.ready?.()) === true,
    );
    expect(pipeline.fatal).toEqual([]);
    expect((await pipeline.verifier.verifyAll()).every((chain) => chain.ok)).toBe(true);
  } finally {
    await pipeline.stop();
    await env.close();
  }
}

async function terminateSessionsOf(admin: PostgresDb, role: string): Promise<void> {
  await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [role]);
}

describe("a sick audit database pauses the group instead of dead-lettering (issue 13, item 4)", () => {
  it("pauses while the service role is read-only for 30 s (a failover to a standby), resumes by itself, stores every event once and dead-letters none", async ({
    harness,
  }) => {
    await underLoad(harness, "read-only", async ({ admin, role }) => {
      // The clients reconnect to a server that takes no writes: SELECT 1 still answers there.
      await admin.query(`ALTER ROLE ${role} SET default_transaction_read_only = on`);
      await terminateSessionsOf(admin, role);
      // The primary is back: new sessions write again; the read-only ones must be dropped by the pool.
      return async () => {
        await admin.query(`ALTER ROLE ${role} RESET default_transaction_read_only`);
      };
    });
  }, 150_000);

  it("pauses while INSERT on its table is revoked for 30 s, resumes once the grant is restored, stores every event once and dead-letters none", async ({
    harness,
  }) => {
    await underLoad(harness, "revoked", async ({ adminDb, role }) => {
      await adminDb.exec(`REVOKE INSERT ON audit.audit_events FROM ${role}`);
      return async () => {
        await adminDb.exec(`GRANT INSERT ON audit.audit_events TO ${role}`);
      };
    });
  }, 150_000);

  it("retries, then pauses while statements time out behind a lock held for 30 s, stores every event once and dead-letters none", async ({
    harness,
  }) => {
    let release: () => void = () => undefined;
    let holding: Promise<void> = Promise.resolve();
    await underLoad(
      harness,
      "statement-timeout",
      async ({ adminDb }) => {
        // A long migration holds the table: the service's statements hit their 2 s timeout (57014).
        let locked: () => void = () => undefined;
        const isLocked = new Promise<void>((resolve) => {
          locked = resolve;
        });
        holding = adminDb.transaction(async (tx) => {
          await tx.query("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE");
          locked();
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        });
        await isLocked;
        return async () => {
          release();
          await holding;
        };
      },
      2_000,
    );
  }, 150_000);
});
