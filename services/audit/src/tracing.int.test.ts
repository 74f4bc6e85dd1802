import { context, ROOT_CONTEXT, SpanKind, TraceFlags, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { shutdownTelemetry, startTelemetry, tracer } from "@parakey-bridge/telemetry";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { doorEvent, it } from "./test-support.js";

const exporter = new InMemorySpanExporter();

describe("tracing from the producer to the audit row", () => {
  beforeAll(() =>
    startTelemetry({
      serviceName: "audit-trace-test",
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    }),
  );
  afterAll(() => shutdownTelemetry());

  it("continues each producer's trace in a CONSUMER span per record, with the database spans under it", async ({
    eventTopic,
    consumeToEnd,
  }) => {
    const { topic, group, produce } = await eventTopic("trace", 1);
    const events = [doorEvent(0), doorEvent(1), doorEvent(2)];
    // One producer-side trace per event, as the webhook request of each would start.
    const roots = events.map(() => tracer().startSpan("POST /webhooks/parakey", { kind: SpanKind.SERVER }));
    await Promise.all(
      events.map((event, i) =>
        context.with(trace.setSpan(context.active(), roots[i] as NonNullable<(typeof roots)[number]>), () =>
          produce([event]),
        ),
      ),
    );
    for (const root of roots) root.end();

    const pipeline = await consumeToEnd({ group, topic });
    const spans = exporter.getFinishedSpans();
    for (const [i, event] of events.entries()) {
      const traceId = roots[i]?.spanContext().traceId;
      const row = await pipeline.store.get(event.eventLogId);
      const producer = spans.find((s) => s.kind === SpanKind.PRODUCER && s.spanContext().traceId === traceId);
      const consumer = spans.find((s) => s.kind === SpanKind.CONSUMER && s.spanContext().traceId === traceId);
      expect(producer).toBeDefined();
      expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
      expect(consumer?.attributes).toMatchObject({
        "messaging.system": "kafka",
        "messaging.destination.name": topic,
        "messaging.consumer.group.name": group,
        "messaging.destination.partition.id": "0",
        // The three producers raced: the store says where each record landed.
        "messaging.kafka.offset": Number(row?.kafka.offset),
        "pb.consumer.outcome": "stored",
      });
      const insert = spans.find(
        (s) =>
          s.name === "COPY audit_events" && s.parentSpanContext?.spanId === consumer?.spanContext().spanId,
      );
      expect(insert?.kind).toBe(SpanKind.CLIENT);
      expect(insert?.attributes).toMatchObject({
        "db.system.name": "postgresql",
        "db.operation.name": "COPY",
        "db.collection.name": "audit_events",
      });
      expect(row?.traceId).toBe(traceId);
    }
  });
  it("starts no span for a record whose trace was not sampled, yet stores that trace's id on its row", async ({
    eventTopic,
    consumeToEnd,
  }) => {
    const { topic, group, produce } = await eventTopic("trace-unsampled", 1);
    const [sampled, unsampled] = [doorEvent(10), doorEvent(11)];
    const root = tracer().startSpan("POST /webhooks/parakey", { kind: SpanKind.SERVER });
    // A webhook request whose trace the ingress did not sample: its context travels with flags 00.
    const unsampledTrace = "5a1f0c2e9b7d4e61a3c8f0b2d4e6a8c0";
    const unsampledParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: unsampledTrace,
      spanId: "7d3e1f2a4b5c6d7e",
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    // Both in one batch, so the store's statements have a sampled and an unsampled parent.
    await context.with(trace.setSpan(context.active(), root), () => produce([sampled]));
    await context.with(unsampledParent, () => produce([unsampled]));
    root.end();

    const pipeline = await consumeToEnd({ group, topic });
    const spans = exporter.getFinishedSpans();
    expect(spans.filter((s) => s.spanContext().traceId === unsampledTrace)).toEqual([]);
    expect((await pipeline.store.get(unsampled.eventLogId))?.traceId).toBe(unsampledTrace);
    const sampledTrace = root.spanContext().traceId;
    const consumer = spans.find(
      (s) => s.kind === SpanKind.CONSUMER && s.spanContext().traceId === sampledTrace,
    );
    expect(
      spans.some(
        (s) =>
          s.name === "COPY audit_events" && s.parentSpanContext?.spanId === consumer?.spanContext().spanId,
      ),
    ).toBe(true);
    expect((await pipeline.store.get(sampled.eventLogId))?.traceId).toBe(sampledTrace);
  });
});
