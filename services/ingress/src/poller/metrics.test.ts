import { systemClock } from "@parakey-bridge/service-kit";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createPollerMetrics } from "./metrics.js";

describe("createPollerMetrics", () => {
  it("exports an integration's recovered-events counter at 0 once its poller is tracked", async () => {
    const registry = new Registry();
    createPollerMetrics(registry, systemClock).trackLastSuccess("acme", () => undefined);
    expect(await registry.metrics()).toContain('bridge_poll_recovered_events_total{integration="acme"} 0');
  });
});
