import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { shutdownTelemetry, startTelemetry } from "@parakey-bridge/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testApp } from "./testing/fixtures.js";

const exporter = new InMemorySpanExporter();
// Resource detection makes export asynchronous: flush before reading the exporter.
const processor = new SimpleSpanProcessor({ exporter });

describe("HTTP server spans", () => {
  beforeAll(() => startTelemetry({ serviceName: "ingress-test", spanProcessors: [processor] }));
  afterAll(() => shutdownTelemetry());

  it("continues the caller's trace with a SERVER span carrying the HTTP semconv attributes", async () => {
    exporter.reset();
    const { app } = testApp({
      auth: { basic: [], secretHeader: undefined, secrets: [], insecureNoAuth: true },
    });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await app.request("/webhooks/parakey", {
      method: "POST",
      body: "{not json",
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(200);
    await processor.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);
    expect(span?.name).toBe("POST /webhooks/parakey");
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/webhooks/parakey",
      "http.response.status_code": 200,
      "url.path": "/webhooks/parakey",
    });
  });

  it("names an unmatched request by its method only (no raw path as route)", async () => {
    exporter.reset();
    const { app } = testApp();
    await app.request("/some/unknown/path");
    await processor.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);
    expect(span?.name).toBe("GET");
    expect(span?.attributes["http.route"]).toBeUndefined();
    expect(span?.attributes["http.response.status_code"]).toBe(404);
  });
});
