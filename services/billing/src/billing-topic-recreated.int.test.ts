import { topicRecreatedScenario } from "@parakey-bridge/consumer-service/testing";
import { doorEventFixture } from "@parakey-bridge/contracts/testing";
import { it, metricValue } from "@parakey-bridge/testkit";
import { describe, expect } from "vitest";
import { billingService } from "./service.js";
import { independentMeters, storedMeters } from "./test-support.js";

describe("billing when its topic is recreated under it (issue 13, item 5)", () => {
  it("meters every new unlock of the recreated topic, though each arrives below the offset it stored for the old one", async ({
    harness,
    database,
  }) => {
    const { group, before, after, inspect, running } = await topicRecreatedScenario(
      harness,
      database,
      { service: billingService, name: "billing" },
      {
        unlock: (i, life) =>
          doorEventFixture({
            id: `el_${life}_${i}`,
            domainId: ["dom_a", "dom_b"][i % 2] as string,
            userId: `usr_${life}_${i % 5}`,
            deviceId: `dev_${i % 4}`,
            success: true,
            occurredAt: new Date(Date.parse("2026-01-10T08:00:00.000Z") + i * 60_000),
          }),
        processedTable: "metered_unlocks",
      },
    );
    expect(await storedMeters(inspect)).toEqual(independentMeters([...before, ...after], () => 0));
    await running.stop();
    expect(
      await metricValue(running.registry, "bridge_consumer_records_processed_total", { group }),
    ).toBeGreaterThanOrEqual(before.length + after.length);
  });
});
