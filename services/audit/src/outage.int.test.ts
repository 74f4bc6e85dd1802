import { setTimeout as sleep } from "node:timers/promises";
import { deadLetterTopic } from "@parakey-bridge/contracts";
import { caughtUp, metricValue, PrivatePostgres, topicSize, waitUntil } from "@parakey-bridge/testkit";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { auditDb, auditPipeline, countRows, doorEvent, it } from "./test-support.js";

// A private server on its own port: stopping it never disturbs the database other tests share.
const postgres = new PrivatePostgres(Number(process.env.PB_TEST_OUTAGE_PG_PORT ?? 20432));

describe("the audit database goes away under load", () => {
  beforeAll(async () => {
    await postgres.init();
    await postgres.start();
  });
  afterAll(async () => {
    await postgres.stop().catch(() => undefined);
  });

  it("pauses consumption while PostgreSQL is stopped for 30 s, resumes after, and loses or dead-letters nothing", async ({
    kafka,
    eventTopic,
    services,
  }) => {
    const db = await auditDb(postgres.url);
    const { topic, group, produce } = await eventTopic("outage", 3);
    const events = Array.from({ length: 3_000 }, (_, i) => doorEvent(i));
    await produce(events.slice(0, 1_000));
    const started = await services.start(
      (deps) => auditPipeline(deps, { kafka, db, group, topic, runner: { maxBatchRecords: 50 } }),
      (pipeline) => pipeline.runner,
    );
    const pipeline = { ...started.service, ...started };
    try {
      await waitUntil("some events are stored", async () => (await countRows(db)) > 100);
      await postgres.stop();
      const stoppedAt = Date.now();

      // Load keeps arriving while the database is down.
      const load = (async () => {
        for (let i = 1_000; i < 3_000; i += 250) {
          await produce(events.slice(i, i + 250));
          await sleep(1_000);
        }
      })();
      await waitUntil(
        "the consumer reports itself not ready",
        async () => !(await pipeline.runner.check.ready?.()),
      );
      expect(pipeline.runner.check.live?.()).toBe(true);
      await load;
      await sleep(Math.max(0, 30_000 - (Date.now() - stoppedAt)));
      expect(await caughtUp(kafka, group, [topic])).toBe(false);
      await postgres.start();

      await waitUntil("the group consumed the topic", () => caughtUp(kafka, group, [topic]), 120_000);
      expect(await countRows(db)).toBe(3_000);
      const { rows } = await db.query<{ n: string }>(
        "SELECT count(DISTINCT event_log_id)::text AS n FROM audit_events",
      );
      expect(rows[0]?.n).toBe("3000");
      expect(await topicSize(kafka, deadLetterTopic(group))).toBe(0);
      expect(await metricValue(pipeline.registry, "bridge_consumer_dlq_records_total", { group })).toBe(0);
      expect(await pipeline.runner.check.ready?.()).toBe(true);
      expect(pipeline.fatal).toEqual([]);
      expect((await pipeline.verifier.verifyAll()).every((chain) => chain.ok)).toBe(true);
    } finally {
      await pipeline.stop();
      await db.close();
    }
  });
});
