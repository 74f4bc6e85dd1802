import { pino } from "pino";
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createAdminApp } from "./admin-server.js";

const log = pino({ level: "silent" });

describe("admin app", () => {
  it("answers /readyz 503 while a dependency is down and 200 when it is back", async () => {
    let kafkaUp = false;
    const admin = app({ checks: [{ name: "kafka", ready: () => kafkaUp }] });
    expect((await admin.request("/readyz")).status).toBe(503);
    kafkaUp = true;
    const res = await admin.request("/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, checks: { shutdown: true, kafka: true } });
  });

  it("keeps /healthz green while Kafka is down (liveness never checks dependencies)", async () => {
    const admin = app({ checks: [{ name: "kafka", ready: () => false }] });
    expect((await admin.request("/healthz")).status).toBe(200);
  });

  it("turns not ready once shutdown starts", async () => {
    expect((await app({ isShuttingDown: () => true }).request("/readyz")).status).toBe(503);
  });

  it("exposes the registry's metrics in Prometheus text format", async () => {
    const registry = new Registry();
    new Counter({ name: "bridge_test_total", help: "test", registers: [registry] }).inc(3);
    const res = await app({ registry }).request("/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain("bridge_test_total 3");
  });
});

/** The admin app with a fresh registry, no checks and no shutdown under way, unless told. */
function app(deps: Partial<Parameters<typeof createAdminApp>[0]> = {}) {
  return createAdminApp({ registry: new Registry(), checks: [], isShuttingDown: () => false, log, ...deps });
}
