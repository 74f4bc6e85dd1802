import { RejectionReason } from "@parakey-bridge/contracts";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createIngressMetrics } from "./metrics.js";

describe("createIngressMetrics", () => {
  it("exports every rejection reason, intake and webhook outcome at 0 before the first event", async () => {
    const registry = new Registry();
    createIngressMetrics(registry);
    const text = await registry.metrics();
    for (const reason of RejectionReason.options) {
      expect(text).toContain(`bridge_events_rejected_total{reason="${reason}"} 0`);
    }
    for (const via of ["webhook", "poll"]) {
      expect(text).toContain(`bridge_events_produced_total{via="${via}"} 0`);
      expect(text).toContain(`bridge_events_duplicate_total{via="${via}"} 0`);
    }
    expect(text).toContain('bridge_webhook_requests_total{outcome="unavailable"} 0');
    expect(text).toContain('bridge_events_filtered_total{reason="device_not_allowed"} 0');
  });

  it("keeps the counts when a second intake registers on the same registry", async () => {
    const registry = new Registry();
    createIngressMetrics(registry).rejected.inc({ reason: "not_json" });
    createIngressMetrics(registry);
    expect(await registry.metrics()).toContain('bridge_events_rejected_total{reason="not_json"} 1');
  });
});
