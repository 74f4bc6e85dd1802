import { context, INVALID_SPAN_CONTEXT, type Span, SpanKind, trace } from "@opentelemetry/api";
import { injectTraceContext, mayRecordUnder, tracer } from "@parakey-bridge/telemetry";
import type { IHeaders } from "kafkajs";

/**
 * Messaging semantic-convention attributes (OpenTelemetry semconv for Kafka), kept in one place so
 * producer and consumer spans agree.
 */
export function messagingAttributes(
  operation: "send" | "process" | "receive",
  topic: string,
  extra: Record<string, string | number> = {},
) {
  return {
    "messaging.system": "kafka",
    "messaging.operation.type": operation,
    "messaging.operation.name": operation,
    "messaging.destination.name": topic,
    ...extra,
  };
}

/**
 * Starts a PRODUCER span for one record under the caller's active context and writes its W3C trace
 * context (`traceparent`) into the record headers, so the consumer's span continues the same trace.
 * Under a parent whose trace was not sampled (most requests: 10 % are recorded by default) no span
 * is started at all: the record carries the parent's context, which holds all an unsampled trace
 * needs downstream (its trace id and the not-sampled flag). That saves an id and a span object per
 * record.
 */
export function startProducerSpan(topic: string, key: string | null, headers: Record<string, string>): Span {
  const active = context.active();
  if (!mayRecordUnder(active)) {
    injectTraceContext(headers, active);
    return NOT_RECORDED;
  }
  const span = tracer().startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER }, active);
  if (span.isRecording()) {
    span.setAttributes(
      messagingAttributes("send", topic, key === null ? {} : { "messaging.kafka.message.key": key }),
    );
  }
  injectTraceContext(headers, trace.setSpan(active, span));
  return span;
}

/** The span handed back for an unsampled record: ending it or setting its status does nothing. */
const NOT_RECORDED: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Decodes kafkajs record headers (Buffers) into strings. */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined) out[name] = value.toString();
  }
  return out;
}
