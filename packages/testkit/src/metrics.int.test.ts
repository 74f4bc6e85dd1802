import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { metricSamples, metricValue } from "./metrics.js";

describe("metricValue on a service's /metrics", () => {
  it("reads the same samples from a scrape of the URL and from exposition text as from the registry", async () => {
    const registry = new Registry();
    const processed = new Counter({
      name: "bridge_consumer_records_processed_total",
      help: "records",
      labelNames: ["group", "outcome"],
      registers: [registry],
    });
    processed.inc({ group: "audit", outcome: "stored" }, 7);
    processed.inc({ group: "audit", outcome: "duplicate" }, 2);
    const server = createServer((_, res) => {
      void registry.metrics().then((body) => res.end(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
      const fromRegistry = await metricSamples(registry);
      expect(fromRegistry).toHaveLength(2);
      expect(await metricSamples(url)).toEqual(fromRegistry);
      expect(await metricSamples(await registry.metrics())).toEqual(fromRegistry);
      expect(await metricValue(url, "bridge_consumer_records_processed_total", { group: "audit" })).toBe(9);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
