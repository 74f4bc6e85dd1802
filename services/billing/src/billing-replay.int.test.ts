import { replayRehearsal, unlockSeries } from "@parakey-bridge/consumer-service/testing";
import { it, metricValue, uniqueName } from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { billingService } from "./service.js";
import { independentMeters, storedMeters } from "./test-support.js";

/** 300 unlocks in January 2026 over 3 domains, 9 people and 5 doors; every 7th failed. */
const unlocks = () =>
  unlockSeries(300, {
    from: "2026-01-05T06:00:00.000Z",
    everyMinutes: 37,
    domains: ["dom_a", "dom_b", "dom_c"],
    people: { count: 9, step: 5 },
    doors: { count: 5 },
    failedEvery: 7,
  });

describe("replaying the billing group from a timestamp (billing-admin replay)", () => {
  it("re-reads the unlocks since then, the store's own offsets rewound too, and leaves the meters unchanged; refuses while the service runs, says when the database was not rewound", async ({
    harness,
    database,
  }) => {
    const rehearsal = await replayRehearsal(
      harness,
      database,
      { service: billingService, name: "billing" },
      unlocks(),
      200,
    );
    const { topic, config, events, replayed, inspect, offsets, replay, operator, processed } = rehearsal;

    const first = await rehearsal.firstRun();
    expect(await processed(first.registry)).toBe(events.length);
    const meters = await storedMeters(inspect);
    expect(meters).toEqual(independentMeters(events, () => 0));
    const storedBefore = await offsets.read(inspect, topic);
    expect([...storedBefore.values()].reduce((sum, o) => sum + Number(o), 0)).toBe(events.length);

    // The service is stopped. A dry run changes nothing, the store's offsets included.
    const dry = await operator([...replay, "--dry-run"]);
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
    const { code, lines } = await operator(replay);
    expect(code).toBe(0);
    for (const move of await rehearsal.expectStoredOffsetsRewound(storedBefore, lines))
      expect(incomplete.lines).toContain(`${topic}[${move.partition}]: ${move.before} -> ${move.after}`);

    const second = await rehearsal.secondRun(storedBefore);
    // Every replayed unlock was recognised by its event log id and metered nothing.
    expect(await processed(second.registry, "duplicate")).toBe(replayed.filter((e) => e.success).length);
    expect(await metricValue(second.registry, "bridge_billing_unlocks_metered_total")).toBe(0);
    expect(await storedMeters(inspect)).toEqual(meters);
  });
});
