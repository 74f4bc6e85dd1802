import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { createTestDatabase, repoRoot, testKafkaBrokers, waitUntil } from "@parakey-bridge/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OtlpReceiver } from "./otlp-receiver.js";
import { Stack } from "./stack.js";

// The README's start command, driven as a user would: start it, look at the URLs it prints, follow a
// webhook through every service, read the metrics the dashboard and alerts rely on, stop it with SIGTERM.

const webhookAuth = `Basic ${Buffer.from("parakey:local-dev-secret").toString("base64")}`;
const api = {
  checkin: "http://127.0.0.1:8081",
  billing: "http://127.0.0.1:8082",
  audit: "http://127.0.0.1:8083",
  webhook: "http://127.0.0.1:8080/webhooks/parakey",
};
const adminPorts = { ingress: 9464, checkin: 9465, billing: 9466, audit: 9467, console: 9468 };

/** The development reader key scripts/start.sh configures and prints. */
const readerKey = "pbk_dev_reader_local_only";

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${readerKey}` } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

describe("the stack started by scripts/start.sh", () => {
  const stack = new Stack();
  const receiver = new OtlpReceiver();
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const otlp = await receiver.start();
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    await stack.start({
      KAFKA_BROKERS: testKafkaBrokers().join(","),
      DATABASE_URL: db.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      SIMULATOR_RATE: "5",
    });
  });

  afterAll(async () => {
    const code = await stack.stop();
    await receiver.stop();
    await dropDatabase?.();
    expect(code).toBe(0);
  });

  it("shows check-ins, usage and audit rows for simulated traffic within a minute", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const month = today.slice(0, 7);
    const checkIns = await waitUntil(
      "a check-in for dom_1",
      async () => {
        const body = await getJson<{ checkIns: unknown[] }>(
          `${api.checkin}/v1/domains/dom_1/check-ins?date=${today}`,
        );
        return body.checkIns.length > 0 ? body.checkIns : undefined;
      },
      { timeoutMs: 60_000, retryErrors: true },
    );
    expect(checkIns[0]).toMatchObject({ domainId: "dom_1" });

    const usage = await waitUntil(
      "usage for dom_1",
      async () => {
        const body = await getJson<{ usage: { successfulUnlocks: number } }>(
          `${api.billing}/v1/domains/dom_1/usage/${month}`,
        );
        return body.usage.successfulUnlocks > 0 ? body.usage : undefined;
      },
      { timeoutMs: 60_000, retryErrors: true },
    );
    expect(usage.successfulUnlocks).toBeGreaterThan(0);

    const audit = await waitUntil(
      "audit rows for dom_1",
      async () => {
        const body = await getJson<{ items: { domainId: string }[] }>(
          `${api.audit}/v1/events?domainId=dom_1`,
        );
        return body.items.length > 0 ? body.items : undefined;
      },
      { timeoutMs: 60_000, retryErrors: true },
    );
    expect(audit[0]).toMatchObject({ domainId: "dom_1" });
    const verify = await getJson<{ ok?: boolean; valid?: boolean }>(`${api.audit}/v1/verify?domainId=dom_1`);
    expect(verify.ok ?? verify.valid).toBe(true);
  });

  it("prints a development key per API role, and the APIs refuse a call without credentials", async () => {
    for (const role of ["reader", "auditor", "operator"]) {
      expect(stack.output).toContain(`Authorization: Bearer pbk_dev_${role}_local_only`);
    }
    for (const url of [
      `${api.checkin}/v1/domains/dom_1/check-ins?date=2026-01-01`,
      `${api.audit}/v1/events`,
    ]) {
      const res = await fetch(url);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    const close = await fetch(`${api.billing}/v1/periods/2000-01/close`, {
      method: "POST",
      headers: { authorization: `Bearer ${readerKey}` },
    });
    expect(close.status).toBe(403);
  });

  it("follows one webhook request through Kafka into every consumer's database in a single trace", async () => {
    const traceId = randomBytes(16).toString("hex");
    const event = eventLogFixture({ deviceId: "dev_trace", domainId: "dom_trace", userId: "usr_trace" });
    const res = await fetch(api.webhook, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: webhookAuth,
        "user-agent": "Parakey-WebhookWorker/1.0",
        traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
      },
      body: JSON.stringify(event),
    });
    expect(res.status).toBe(200);

    const spans = await waitUntil(
      "a complete trace",
      async () => {
        const trace = receiver.trace(traceId);
        const services = new Set(trace.filter((s) => s.kind === 5).map((s) => s.service));
        const dbServices = new Set(
          trace.filter((s) => s.attributes["db.system.name"] !== undefined).map((s) => s.service),
        );
        // Each process exports its spans in its own batches, so the ingress's SERVER and PRODUCER
        // spans may arrive after the consumers' spans: wait for all of them.
        const ingressSpans = [2, 4].every((kind) =>
          trace.some((s) => s.service === "ingress" && s.kind === kind),
        );
        const complete =
          ingressSpans &&
          ["checkin", "billing", "audit"].every((name) => services.has(name) && dbServices.has(name));
        return complete ? trace : undefined;
      },
      { timeoutMs: 60_000, retryErrors: true },
    );

    const server = spans.find((s) => s.service === "ingress" && s.kind === 2);
    expect(server?.attributes["http.request.method"]).toBe("POST");
    const producer = spans.find((s) => s.service === "ingress" && s.kind === 4);
    expect(producer?.attributes).toMatchObject({
      "messaging.system": "kafka",
      "messaging.destination.name": "parakey.event-logs.v1",
    });
    for (const name of ["checkin", "billing", "audit"]) {
      const consumer = spans.find((s) => s.service === name && s.kind === 5);
      expect(consumer?.attributes, name).toMatchObject({
        "messaging.system": "kafka",
        "messaging.destination.name": "parakey.event-logs.v1",
      });
      // The database spans of each consumer hang under its consumer span.
      const db = spans.filter((s) => s.service === name && s.attributes["db.system.name"] !== undefined);
      expect(db.length, name).toBeGreaterThan(0);
      const ids = new Set(spans.filter((s) => s.service === name).map((s) => s.spanId));
      expect(
        db.every((s) => ids.has(s.parentSpanId)),
        name,
      ).toBe(true);
    }
  });

  it("runs the console: the sign-in page with a strict CSP, and today's reconciliation over its API", async () => {
    expect(stack.output).toContain("console           http://127.0.0.1:8084/ui");
    const login = await fetch("http://127.0.0.1:8084/ui", { redirect: "manual" });
    expect(login.status).toBe(303);
    expect(login.headers.get("content-security-policy")).toContain("default-src 'none'");
    const today = new Date().toISOString().slice(0, 10);
    const report = await waitUntil(
      "a reconciliation of today that finds simulated events at Parakey and in the audit store",
      async () => {
        const res = await fetch(`http://127.0.0.1:8084/v1/reconciliation?from=${today}`, {
          headers: { authorization: "Bearer pbk_dev_auditor_local_only" },
        });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { days: { counts: Record<string, number> }[] };
        return body.days.some((d) => (d.counts.parakey ?? 0) > 0 && (d.counts.audit ?? 0) > 0)
          ? body
          : undefined;
      },
      { timeoutMs: 90_000, retryErrors: true },
    );
    expect(report.days.length).toBeGreaterThan(0);
  });

  it("exports every metric the Grafana dashboard and the alert rules use", async () => {
    const exported = new Set<string>();
    for (const [service, port] of Object.entries(adminPorts)) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)];
      expect(types.length, service).toBeGreaterThan(0);
      for (const [, name, type] of types) {
        exported.add(name as string);
        if (type === "histogram")
          for (const suffix of ["_bucket", "_sum", "_count"]) exported.add(`${name}${suffix}`);
      }
    }
    const assets = [
      "deploy/observability/grafana-dashboard.json",
      "deploy/observability/alerts.yaml",
      "deploy/helm/parakey-bridge/files/prometheus-rules.yaml",
    ];
    for (const asset of assets) {
      const used = new Set(readFileSync(join(repoRoot, asset), "utf8").match(/\bbridge_[a-z0-9_]+/g) ?? []);
      expect(used.size, asset).toBeGreaterThan(0);
      const missing = [...used].filter((name) => !exported.has(name));
      expect(missing, `${asset} uses metrics no service exports`).toEqual([]);
    }
  });
});
