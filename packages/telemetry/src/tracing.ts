import {
  type Context,
  context,
  isSpanContextValid,
  propagation,
  type Span,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter as OTLPJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP endpoint (e.g. http://collector:4318). Without one, spans are created but not exported. */
  otlpEndpoint?: string;
  /** OTLP/HTTP encoding: protobuf (default) or JSON; else OTEL_EXPORTER_OTLP_PROTOCOL decides. */
  otlpProtocol?: "http/protobuf" | "http/json";
  /** Extra processors (tests use an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  /**
   * Share of new traces to record when `OTEL_TRACES_SAMPLER` is not set. The services pass
   * `DEFAULT_TRACE_SAMPLE_RATIO`; without it every trace is recorded (OpenTelemetry's own default).
   */
  sampleRatio?: number;
}

/**
 * The services' share of recorded traces unless `OTEL_TRACES_SAMPLER` says otherwise. Recording a
 * span (attributes, timings, export) is most of what tracing costs a request; an unsampled request
 * still carries a W3C trace context into every Kafka record, and consumers follow the ingress's
 * decision (parent-based), so a sampled trace still runs whole from the webhook to each sink.
 */
export const DEFAULT_TRACE_SAMPLE_RATIO = 0.1;

/**
 * The sampler for `options`, or `undefined` when the standard variables decide (NodeSDK reads
 * `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` itself) or when no ratio was asked for.
 *
 * @example
 * traceSampler({ serviceName: "ingress", sampleRatio: 0.1 }, {}); // parent-based, 10 % of new traces
 */
export function traceSampler(
  options: Pick<TelemetryOptions, "sampleRatio">,
  env: Record<string, string | undefined> = process.env,
): Sampler | undefined {
  if (env.OTEL_TRACES_SAMPLER) return undefined;
  if (options.sampleRatio === undefined) return undefined;
  return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) });
}

let sdk: NodeSDK | undefined;
/**
 * The project's tracer, looked up once per tracer provider: `trace.getTracer` walks the global
 * registry on every call, and the ingress starts two spans per request. Cleared when tracing starts
 * or stops, because a proxy tracer keeps the first provider it delegated to.
 */
let projectTracer: Tracer | undefined;
/** Whether the sampler in use follows the parent's decision (see `mayRecordUnder`). */
let followsParentDecision = true;

/**
 * Whether a span started under `parent` can be recorded. With a parent-based sampler (the
 * services' default, and OpenTelemetry's) a child of an unsampled parent never is, so a caller that
 * starts many spans per batch (one per Kafka record, one per record and statement) skips them for
 * records whose trace was not sampled: the trace context still travels, as the parent's. A parent
 * without a valid span (a record that carried no `traceparent`) starts a new trace, which the
 * sampler decides, so it answers true; so does every parent when `OTEL_TRACES_SAMPLER` names a
 * sampler that ignores the parent.
 *
 * @example
 * const span = mayRecordUnder(parent) ? tracer().startSpan("process topic", {}, parent) : undefined;
 */
export function mayRecordUnder(parent: Context): boolean {
  if (!followsParentDecision) return true;
  const spanContext = trace.getSpanContext(parent);
  return (
    spanContext === undefined ||
    !isSpanContextValid(spanContext) ||
    (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0
  );
}

/**
 * Starts OpenTelemetry tracing for the process. Idempotent: the `--import` preload and the
 * composition root may both call it. A tracer provider always runs, even without an exporter,
 * because the W3C trace context written into Kafka headers needs real span contexts.
 * The project instruments its own HTTP, Kafka and database edges (see `withSpan`), so no
 * auto-instrumentation is loaded: traces do not depend on module-loading hooks working under ESM.
 *
 * @example
 * startTelemetry({ serviceName: "ingress", otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT });
 */
export function startTelemetry(options: TelemetryOptions): void {
  if (sdk !== undefined) return;
  projectTracer = undefined;
  const named = process.env.OTEL_TRACES_SAMPLER;
  followsParentDecision = named === undefined || named === "" || named.startsWith("parentbased_");
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/$/, "")}/v1/traces`;
    // The standard OTel variable picks the encoding when the caller does not.
    const protocol = options.otlpProtocol ?? process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
    const exporter =
      protocol === "http/json" ? new OTLPJsonTraceExporter({ url }) : new OTLPProtoTraceExporter({ url });
    processors.push(new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1_000 }));
  }
  // NodeSDK installs no tracer provider without a processor; spans must still carry real contexts.
  if (processors.length === 0) processors.push(new NoopSpanProcessor());
  sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: processors,
    textMapPropagator: new W3CTraceContextPropagator(),
    sampler: traceSampler(options),
    instrumentations: [],
    // Metrics are exposed by prom-client on /metrics; OTel metrics and logs stay off.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
}

/** Flushes and stops tracing: the last step of a graceful shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  const current = sdk;
  sdk = undefined;
  projectTracer = undefined;
  await current?.shutdown();
}

/**
 * Flushes spans, then ends the process with `code`. Bounded: a collector that is down must not hold
 * the exit past the pod's termination grace period (the chart allows SHUTDOWN_GRACE_MS plus a margin
 * of at least 3 s for this flush).
 *
 * @example
 * service.lifecycle.stopOnSignals((code) => void exitAfterTelemetry(code));
 */
export async function exitAfterTelemetry(code: number, flushTimeoutMs = 2_000): Promise<never> {
  await Promise.race([
    shutdownTelemetry(),
    new Promise((resolve) => setTimeout(resolve, flushTimeoutMs).unref()),
  ]);
  process.exit(code);
}

/** The project's tracer. */
export function tracer(): Tracer {
  projectTracer ??= trace.getTracer("parakey-bridge");
  return projectTracer;
}

/**
 * Runs `fn` inside an active span, records an exception and error status when it throws, and ends
 * the span either way.
 *
 * @example
 * await withSpan("audit insert", { attributes: { "db.system.name": "postgresql" } }, () => pool.query(sql));
 */
export async function withSpan<T>(
  name: string,
  options: Parameters<Tracer["startActiveSpan"]>[1],
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Writes the active trace context into a carrier (Kafka headers, HTTP headers). */
export function injectTraceContext(
  carrier: Record<string, string>,
  ctx = context.active(),
): Record<string, string> {
  propagation.inject(ctx, carrier);
  return carrier;
}

/** Reads a trace context from a carrier (e.g. Kafka record headers already decoded to strings). */
export function extractTraceContext(carrier: Record<string, string>) {
  return propagation.extract(context.active(), carrier);
}
