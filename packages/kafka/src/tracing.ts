import { context, type Span, SpanKind, trace } from "@opentelemetry/api";
import { injectTraceContext, tracer } from "@parakey-bridge/telemetry";
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
 */
export function startProducerSpan(topic: string, key: string | null, headers: Record<string, string>): Span {
  const span = tracer().startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER });
  // Attributes only for a recorded span: most records' traces are not sampled, yet every record
  // carries its traceparent.
  if (span.isRecording()) {
    span.setAttributes(
      messagingAttributes("send", topic, key === null ? {} : { "messaging.kafka.message.key": key }),
    );
  }
  injectTraceContext(headers, trace.setSpan(context.active(), span));
  return span;
}

/** Decodes kafkajs record headers (Buffers) into strings. */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined) out[name] = value.toString();
  }
  return out;
}
