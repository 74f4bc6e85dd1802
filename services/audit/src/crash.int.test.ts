import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deadLetterTopic } from "@parakey-bridge/contracts";
import { caughtUp, consumerServiceEnv, topicSize, waitUntil } from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { ChainVerifier } from "./chain/verify.js";
import { countRows, deliveries, it } from "./test-support.js";

const serviceDir = join(dirname(fileURLToPath(import.meta.url)), "..");

describe("the audit service killed while consuming", () => {
  it("holds exactly the produced set after 3 SIGKILLs, counts duplicates exactly, and its chains verify", async ({
    kafka,
    eventTopic,
    database,
    db,
    services,
  }) => {
    const { topic, group, produce } = await eventTopic("crash", 3);
    const { events, stream } = deliveries(10_000);
    await produce(stream);
    const env = consumerServiceEnv(
      { databaseUrl: database.url, group, topic },
      { CONSUMER_MAX_BATCH: "100" },
    );
    const killedAt: number[] = [];
    for (const atLeast of [1_500, 4_500, 7_500]) {
      const service = services.spawn(serviceDir, env);
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

    const last = services.spawn(serviceDir, env);
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
  });
});
