import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { shutdownTelemetry, startTelemetry } from "@parakey-bridge/telemetry";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpServerTracing } from "./http-tracing.js";

const exporter = new InMemorySpanExporter();
// Resource detection makes export asynchronous: flush before reading the exporter.
const processor = new SimpleSpanProcessor({ exporter });

function app(): Hono {
  const hono = new Hono();
  hono.use("*", httpServerTracing());
  hono.get("/v1/things/:id", (c) => c.json({ id: c.req.param("id") }));
  hono.get("/boom", () => {
    throw new Error("boom");
  });
  hono.onError((_error, c) => c.text("internal error", 500));
  return hono;
}

describe("httpServerTracing", () => {
  beforeAll(() => startTelemetry({ serviceName: "service-kit-test", spanProcessors: [processor] }));
  afterAll(() => shutdownTelemetry());

  it("continues the caller's trace with a SERVER span named by the route template, not the raw path", async () => {
    exporter.reset();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await app().request("/v1/things/t_1", {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(200);
    await processor.forceFlush();
    const span = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);
    expect(span?.name).toBe("GET /v1/things/:id");
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.attributes).toMatchObject({
      "http.request.method": "GET",
      "http.route": "/v1/things/:id",
      "http.response.status_code": 200,
      "url.path": "/v1/things/t_1",
    });
  });

  it("names an unmatched request by its method only and marks a 500 as an error", async () => {
    exporter.reset();
    await app().request("/nothing");
    await app().request("/boom");
    await processor.forceFlush();
    const spans = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    expect(spans.map((s) => [s.name, s.attributes["http.response.status_code"]])).toEqual([
      ["GET", 404],
      ["GET /boom", 500],
    ]);
    expect(spans[1]?.status.code).toBe(2);
  });
});
