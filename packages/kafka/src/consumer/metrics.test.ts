import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { consumerMetrics } from "./metrics.js";

describe("consumerMetrics", () => {
  it("exports the group's dead-letter, retry and outcome counters at 0 before the first record", async () => {
    const registry = new Registry();
    consumerMetrics(registry, "parakey-bridge-audit");
    const text = await registry.metrics();
    expect(text).toContain('bridge_consumer_dlq_records_total{group="parakey-bridge-audit"} 0');
    expect(text).toContain('bridge_consumer_retries_total{group="parakey-bridge-audit"} 0');
    expect(text).toContain('bridge_consumer_duplicates_total{group="parakey-bridge-audit"} 0');
    for (const outcome of ["stored", "duplicate", "redelivered", "dead_lettered"]) {
      expect(text).toContain(
        `bridge_consumer_records_processed_total{group="parakey-bridge-audit",outcome="${outcome}"} 0`,
      );
    }
  });

  it("gives each runner of a registry its own zero series and keeps the counts already made", async () => {
    const registry = new Registry();
    consumerMetrics(registry, "parakey-bridge-billing").deadLettered.inc({ group: "parakey-bridge-billing" });
    consumerMetrics(registry, "parakey-bridge-audit");
    const text = await registry.metrics();
    expect(text).toContain('bridge_consumer_dlq_records_total{group="parakey-bridge-billing"} 1');
    expect(text).toContain('bridge_consumer_dlq_records_total{group="parakey-bridge-audit"} 0');
  });
});
