import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { unlockSeries } from "@parakey-bridge/consumer-service/testing";
import { type DoorEvent, deadLetterTopic, doorEventRecord } from "@parakey-bridge/contracts";
import { redriveTopic } from "@parakey-bridge/kafka";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { PostgresDb } from "@parakey-bridge/storage";
import { caughtUp, consumerServiceEnv, it, testLog, uniqueName, waitUntil } from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { independentMeters, storedMeters } from "./test-support.js";

const serviceDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** 10 000 unlocks in 5 UTC domains over January and February; every fifth delivered twice. */
function unlocks(): { events: DoorEvent[]; stream: DoorEvent[] } {
  const events = unlockSeries(10_000, {
    from: "2026-01-01T00:00:00.000Z",
    everyMinutes: 8,
    domains: ["dom_0", "dom_1", "dom_2", "dom_3", "dom_4"],
    people: { count: 40, step: 13, anonymousEvery: 23 },
    doors: { count: 15, step: 3 },
    failedEvery: 10,
  });
  const stream = events.flatMap((event, i) =>
    i % 5 === 0 ? [event, { ...event, via: "poll" as const }] : [event],
  );
  return { events, stream };
}

describe("billing process killed while metering", () => {
  it("meters exactly the independent count after being SIGKILLed 3 times during 10 000 events", async ({
    kafka,
    topics,
    database,
    services,
    harness,
  }) => {
    const group = uniqueName("billing-crash");
    const topic = await topics.create("billing-crash");
    topics.deleteAtEnd(deadLetterTopic(group), redriveTopic(group));
    const { events, stream } = unlocks();
    await produceAll(
      kafka,
      stream.map((event) => doorEventRecord(event, topic)),
    );
    const env = consumerServiceEnv({ databaseUrl: database.url, group, topic }, { CONSUMER_MAX_BATCH: "50" });
    const db = new PostgresDb({ url: database.url, schema: "billing", log: testLog });
    harness.onClose(() => db.close());
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
      const run = services.spawn(serviceDir, env);
      await waitUntil(
        `the service metered ${threshold} unlocks`,
        async () => (await metered()) >= threshold || run.child.exitCode !== null,
        { timeoutMs: 120_000, intervalMs: 10 },
      );
      expect(run.child.exitCode, run.stderr.join("")).toBeNull();
      run.child.kill("SIGKILL");
      expect(await run.exited).toBeNull();
      killedAt.push(await metered());
    }
    // Every kill cut the work short: there was still metering to do each time.
    expect(killedAt.every((count) => count < billable)).toBe(true);

    const last = services.spawn(serviceDir, env);
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
