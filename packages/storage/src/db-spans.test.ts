import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { extractTraceContext, shutdownTelemetry, startTelemetry } from "@parakey-bridge/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgliteDb } from "./pglite-db.js";

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });

/** A Kafka record's trace context as the ingress wrote it: sampled or not. */
function recordContext(n: number, sampled: boolean) {
  const id = n.toString(16);
  return extractTraceContext({
    traceparent: `00-${id.padStart(32, "0")}-${id.padStart(16, "0")}-${sampled ? "01" : "00"}`,
  });
}

describe("statement spans of a batch transaction", () => {
  let db: PgliteDb;
  beforeAll(async () => {
    startTelemetry({ serviceName: "storage-test", spanProcessors: [processor] });
    db = await PgliteDb.open({ schema: "spans" });
  });
  afterAll(async () => {
    await db.close();
    await shutdownTelemetry();
  });

  it("gives every statement one CLIENT span under each sampled record's trace and none under the others", async () => {
    const parents = [1, 2, 3, 4, 5].map((n) => recordContext(n, n % 2 === 1));
    exporter.reset();
    await db.transaction(
      async (tx) => {
        await tx.query("SELECT 1 AS one");
        await tx.query("SELECT 2 AS two");
      },
      { traceParents: parents },
    );
    await processor.forceFlush();
    const spans = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT);
    const traceIdsOf = (name: string) =>
      spans
        .filter((span) => span.name === name)
        .map((span) => span.spanContext().traceId)
        .sort();
    const sampled = [1, 3, 5].map((n) => n.toString(16).padStart(32, "0"));
    // The second statement is traced like the first (the sampled parents are worked out once).
    expect(traceIdsOf("SELECT")).toEqual([...sampled, ...sampled].sort());
    expect(spans.every((span) => span.attributes["db.operation.batch.size"] === 5)).toBe(true);
  });
});
