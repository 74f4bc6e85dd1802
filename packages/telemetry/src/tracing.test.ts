import { context, ROOT_CONTEXT, SpanKind, TraceFlags, trace } from "@opentelemetry/api";
import { SamplingDecision } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { DEFAULT_TRACE_SAMPLE_RATIO, mayRecordUnder, traceSampler } from "./tracing.js";

function traceId(i: number): string {
  return i.toString(16).padStart(8, "0").repeat(4);
}

function decide(sampler: ReturnType<typeof traceSampler>, id: string, parent = ROOT_CONTEXT) {
  return sampler?.shouldSample(parent, id, "webhook", SpanKind.SERVER, {}, []).decision;
}

describe("traceSampler", () => {
  it("records about the default share of new traces", () => {
    const sampler = traceSampler({ sampleRatio: DEFAULT_TRACE_SAMPLE_RATIO }, {});
    let recorded = 0;
    for (let i = 0; i < 10_000; i++) {
      const id = `${Math.floor(Math.random() * 2 ** 32)
        .toString(16)
        .padStart(8, "0")}${traceId(i).slice(8)}`;
      if (decide(sampler, id) === SamplingDecision.RECORD_AND_SAMPLED) recorded++;
    }
    expect(recorded).toBeGreaterThan(10_000 * DEFAULT_TRACE_SAMPLE_RATIO * 0.7);
    expect(recorded).toBeLessThan(10_000 * DEFAULT_TRACE_SAMPLE_RATIO * 1.3);
  });

  it("follows a sampled parent, so a consumer records every span of a trace the ingress recorded", () => {
    const sampler = traceSampler({ sampleRatio: 0 }, {});
    const parent = trace.setSpanContext(context.active(), {
      traceId: traceId(7),
      spanId: "00f067aa0ba902b7",
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(decide(sampler, traceId(7), parent)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it("leaves the choice to OTEL_TRACES_SAMPLER when it is set, and to OpenTelemetry's default without a ratio", () => {
    expect(traceSampler({ sampleRatio: 0.1 }, { OTEL_TRACES_SAMPLER: "always_on" })).toBeUndefined();
    expect(traceSampler({}, {})).toBeUndefined();
  });
});

describe("mayRecordUnder", () => {
  const under = (traceFlags: TraceFlags) =>
    trace.setSpanContext(ROOT_CONTEXT, {
      traceId: traceId(9),
      spanId: "00f067aa0ba902b7",
      traceFlags,
      isRemote: true,
    });

  it("says no under an unsampled parent, whose children a parent-based sampler never records", () => {
    expect(mayRecordUnder(under(TraceFlags.NONE))).toBe(false);
  });

  it("says yes under a sampled parent, and without one (a new trace, which the sampler decides)", () => {
    expect(mayRecordUnder(under(TraceFlags.SAMPLED))).toBe(true);
    expect(mayRecordUnder(ROOT_CONTEXT)).toBe(true);
  });
});
