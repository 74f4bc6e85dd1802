import { type DoorEvent, deadLetterTopic, doorEventRecord } from "@parakey-bridge/contracts";
import { doorEventFixture } from "@parakey-bridge/contracts/testing";
import { redriveTopic } from "@parakey-bridge/kafka";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { systemClock } from "@parakey-bridge/service-kit";
import { PostgresDb, SinkOffsets } from "@parakey-bridge/storage";
import {
  caughtUp,
  consumerServiceEnv,
  it,
  metricValue,
  testLog,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import type { Registry } from "prom-client";
import { describe, expect } from "vitest";
import { type BillingConfig, loadBillingConfig } from "./config.js";
import { createBillingService, runBillingOperatorCommand } from "./service.js";
import { independentMeters, storedMeters } from "./test-support.js";

/** 300 unlocks in January 2026 over 3 domains, 9 people and 5 doors; every 7th failed. */
function unlocks(): DoorEvent[] {
  const start = Date.parse("2026-01-05T06:00:00.000Z");
  return Array.from({ length: 300 }, (_, i) =>
    doorEventFixture({
      id: `el_${i}`,
      domainId: ["dom_a", "dom_b", "dom_c"][i % 3] as string,
      userId: `usr_${(i * 5) % 9}`,
      deviceId: `dev_${i % 5}`,
      success: i % 7 !== 0,
      occurredAt: new Date(start + i * 37 * 60_000),
    }),
  );
}

/** Distinct Kafka timestamps on each side of `since`. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Runs the billing CLI's command as an operator would, keeping what it prints. */
async function operator(argv: string[], config: BillingConfig): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runBillingOperatorCommand(argv, config, {
    log: testLog,
    print: (line) => lines.push(line),
  });
  return { code, lines };
}

describe("replaying the billing group from a timestamp (billing-admin replay)", () => {
  it("re-reads the unlocks since then, the store's own offsets rewound too, and leaves the meters unchanged; refuses while the service runs, says when the database was not rewound", async ({
    kafka,
    topics,
    database,
    services,
  }) => {
    const inspect = new PostgresDb({ url: database.url, schema: "billing", log: testLog });
    const topic = await topics.create("billing-replay", 3);
    const group = uniqueName("billing-replay");
    topics.deleteAtEnd(deadLetterTopic(group), redriveTopic(group));
    const offsets = new SinkOffsets(group);
    const events = unlocks();
    const replayed = events.slice(200);
    await produceAll(
      kafka,
      events.slice(0, 200).map((event) => doorEventRecord(event, topic)),
    );
    await tick();
    const since = new Date();
    await tick();
    await produceAll(
      kafka,
      replayed.map((event) => doorEventRecord(event, topic)),
    );
    const config = loadBillingConfig(
      consumerServiceEnv({ databaseUrl: database.url, group, topic }, { CONSUMER_MAX_BATCH: "50" }),
    );
    const replay = ["replay", "--since", since.toISOString()];
    const start = () =>
      services.start((deps) => createBillingService(config, { ...deps, clock: systemClock }));
    const processed = (registry: Registry, outcome?: string) =>
      metricValue(registry, "bridge_consumer_records_processed_total", {
        group,
        ...(outcome ? { outcome } : {}),
      });

    try {
      const first = await start();
      try {
        await waitUntil("billing consumed the topic", () => caughtUp(kafka, group, [topic]), 120_000);
        const refused = await operator(replay, config);
        expect(refused.code).toBe(1);
        expect(refused.lines.join("\n")).toMatch(/^replay refused: group .* has 1 live member\(s\)/);
      } finally {
        await first.stop();
      }
      expect(await processed(first.registry)).toBe(events.length);
      const meters = await storedMeters(inspect);
      expect(meters).toEqual(independentMeters(events, () => 0));
      const storedBefore = await offsets.read(inspect, topic);
      expect([...storedBefore.values()].reduce((sum, o) => sum + Number(o), 0)).toBe(events.length);

      // The service is stopped. A dry run changes nothing, the store's offsets included.
      const dry = await operator([...replay, "--dry-run"], config);
      expect(dry.code).toBe(0);
      expect(dry.lines).toContain("dry run: the offsets the service stores itself were not touched either");
      expect(await offsets.read(inspect, topic)).toEqual(storedBefore);

      // The command cannot reach the database: the group moved, the store's offsets did not, and it
      // says so instead of leaving a replay the service would skip.
      const missing = new URL(database.url);
      missing.pathname = `/${uniqueName("no_such_db").replace(/\W/g, "_")}`;
      const unreachable = { ...config, database: { ...config.database, url: missing.toString() } };
      const incomplete = await operator(replay, unreachable);
      expect(incomplete.code).toBe(1);
      expect(incomplete.lines.at(-1)).toMatch(
        /^replay incomplete: group .* was rewound, but the offsets the service stores itself were not/,
      );
      expect(await offsets.read(inspect, topic)).toEqual(storedBefore);

      // Running the same replay again (as the message says) finishes it.
      const { code, lines } = await operator(replay, config);
      expect(code).toBe(0);
      const storedAfter = await offsets.read(inspect, topic);
      let rewound = 0;
      for (const [partition, before] of storedBefore) {
        const after = storedAfter.get(partition) ?? before;
        rewound += Number(before) - Number(after);
        if (after !== before) {
          expect(incomplete.lines).toContain(`${topic}[${partition}]: ${before} -> ${after}`);
          expect(lines).toContain(`stored offset ${topic}[${partition}]: ${before} -> ${after}`);
        }
      }
      expect(rewound).toBe(replayed.length);

      const second = await start();
      try {
        await waitUntil(
          "billing re-read the replayed unlocks",
          async () => (await processed(second.registry)) >= replayed.length,
        );
        await waitUntil("billing caught up again", () => caughtUp(kafka, group, [topic]));
      } finally {
        await second.stop();
      }
      // Re-read, not skipped (the store's offsets were rewound) and not taken for redeliveries:
      // every replayed unlock was recognised by its event log id and metered nothing.
      expect(await processed(second.registry)).toBe(replayed.length);
      expect(await processed(second.registry, "redelivered")).toBe(0);
      expect(await processed(second.registry, "duplicate")).toBe(replayed.filter((e) => e.success).length);
      expect(await metricValue(second.registry, "bridge_billing_unlocks_metered_total")).toBe(0);
      expect(await storedMeters(inspect)).toEqual(meters);
      expect(await offsets.read(inspect, topic)).toEqual(storedBefore);
      expect([...first.fatal, ...second.fatal]).toEqual([]);
    } finally {
      await inspect.close();
    }
  });
});
