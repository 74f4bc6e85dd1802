import { context, SpanKind, TraceFlags, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { shutdownTelemetry, startTelemetry } from "@parakey-bridge/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProducerSpan } from "./tracing.js";

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const parentSpanId = "00f067aa0ba902b7";

/** Runs `fn` under a remote parent (as the webhook's traceparent makes one), sampled or not. */
function underParent<T>(sampled: boolean, fn: () => T): T {
  const parent = trace.wrapSpanContext({
    traceId,
    spanId: parentSpanId,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
  return context.with(trace.setSpan(context.active(), parent), fn);
}

describe("startProducerSpan", () => {
  beforeAll(() => startTelemetry({ serviceName: "kafka-tracing-test", spanProcessors: [processor] }));
  afterAll(() => shutdownTelemetry());

  it("records a PRODUCER span under a sampled parent and writes that span's context into the record", async () => {
    exporter.reset();
    const headers: Record<string, string> = {};
    underParent(true, () => startProducerSpan("events", "dev_1", headers).end());
    await processor.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span?.kind).toBe(SpanKind.PRODUCER);
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.attributes).toMatchObject({
      "messaging.system": "kafka",
      "messaging.destination.name": "events",
      "messaging.kafka.message.key": "dev_1",
    });
    expect(headers.traceparent).toBe(`00-${traceId}-${span?.spanContext().spanId}-01`);
  });

  it("starts no span under an unsampled parent, yet the record carries the trace id and the not-sampled flag", async () => {
    exporter.reset();
    const headers: Record<string, string> = {};
    const span = underParent(false, () => startProducerSpan("events", "dev_1", headers));
    span.setAttribute("ignored", true);
    span.end();
    await processor.forceFlush();
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(span.isRecording()).toBe(false);
    expect(headers.traceparent).toBe(`00-${traceId}-${parentSpanId}-00`);
  });

  it("starts a new trace for a record sent outside any trace (the poller), which the sampler decides", () => {
    const headers: Record<string, string> = {};
    startProducerSpan("events", null, headers).end();
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(headers.traceparent?.slice(3, 35)).not.toBe(traceId);
  });
});
