import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { metricValue } from "./metrics.js";

function registryWithSeries(): Registry {
  const registry = new Registry();
  const processed = new Counter({
    name: "bridge_consumer_records_processed_total",
    help: "records",
    labelNames: ["group", "outcome"],
    registers: [registry],
  });
  processed.inc({ group: "billing", outcome: "stored" }, 3);
  processed.inc({ group: "billing", outcome: "duplicate" }, 2);
  processed.inc({ group: "audit", outcome: "stored" }, 7);
  new Gauge({
    name: "bridge_poll_leader",
    help: "leader",
    labelNames: ["integration"],
    registers: [registry],
    collect() {
      this.set({ integration: 'acme "east"\\wing' }, 1);
    },
  });
  const latency = new Histogram({
    name: "bridge_consumer_end_to_end_latency_seconds",
    help: "latency",
    labelNames: ["group"],
    buckets: [1, 10],
    registers: [registry],
  });
  latency.observe({ group: "billing" }, 42);
  latency.observe({ group: "billing" }, 0.5);
  return registry;
}

describe("metricValue", () => {
  it("sums the series whose labels include the ones asked for, and answers 0 for none", async () => {
    const registry = registryWithSeries();
    const name = "bridge_consumer_records_processed_total";
    expect(await metricValue(registry, name)).toBe(12);
    expect(await metricValue(registry, name, { group: "billing" })).toBe(5);
    expect(await metricValue(registry, name, { group: "billing", outcome: "stored" })).toBe(3);
    expect(await metricValue(registry, name, { group: "checkin" })).toBe(0);
    expect(await metricValue(registry, "bridge_no_such_metric")).toBe(0);
  });

  it("reads a selector as PromQL writes it, label values escaped as the exposition format escapes them", async () => {
    const registry = registryWithSeries();
    expect(
      await metricValue(registry, 'bridge_consumer_records_processed_total{group="audit",outcome="stored"}'),
    ).toBe(7);
    expect(await metricValue(registry, "bridge_poll_leader", { integration: 'acme "east"\\wing' })).toBe(1);
  });

  it("names histogram parts as exported: _count, _sum and the cumulative _bucket series", async () => {
    const registry = registryWithSeries();
    const name = "bridge_consumer_end_to_end_latency_seconds";
    expect(await metricValue(registry, `${name}_count`, { group: "billing" })).toBe(2);
    expect(await metricValue(registry, `${name}_sum`, { group: "billing" })).toBe(42.5);
    expect(await metricValue(registry, `${name}_bucket`, { group: "billing", le: "1" })).toBe(1);
    expect(await metricValue(registry, `${name}_bucket`, { group: "billing", le: "+Inf" })).toBe(2);
  });
});
