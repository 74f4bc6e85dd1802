import { type Context, type Span, SpanKind, trace } from "@opentelemetry/api";
import { extractTraceContext, mayRecordUnder, tracer } from "@parakey-bridge/telemetry";
import type { KafkaMessage } from "kafkajs";
import { headersToStrings, messagingAttributes } from "../tracing.js";
import type { RecordOutcome } from "./metrics.js";
import type { InboundRecord, RecordDecoder } from "./types.js";

/** A fetched record on its way through the runner: decoded once, traced until it is finished. */
export interface PendingRecord<T> {
  message: KafkaMessage;
  headers: Record<string, string>;
  /** The record's CONSUMER span; none when its trace was not sampled (see `openRecord`). */
  span: Span | undefined;
  traceContext: Context;
  /** The trace the record belongs to (empty only for a record without a valid trace context). */
  traceId: string;
  startedAt: number;
  decoded: { ok: true; value: T } | { ok: false; reason: string };
  ended: boolean;
  outcome?: RecordOutcome;
}

/**
 * Opens a record: its CONSUMER span (continuing the producer's trace from its headers) and its
 * decoded value; a decoder that throws counts as a contract failure, not a crash. A record whose
 * producer did not sample its trace (most of them: the ingress records 10 % of traces by default)
 * gets no span, which would never be recorded: its trace context is the producer's, so the rows and
 * records it leads to still carry its trace id. Spans cost the consumer more CPU per record than
 * anything but decoding did (issue 17, item 2).
 */
export function openRecord<T>(
  topic: string,
  partition: number,
  message: KafkaMessage,
  group: string,
  decode: RecordDecoder<T>,
): PendingRecord<T> {
  const headers = headersToStrings(message.headers);
  const parent = extractTraceContext(headers);
  if (!mayRecordUnder(parent)) {
    return {
      message,
      headers,
      span: undefined,
      traceContext: parent,
      traceId: trace.getSpanContext(parent)?.traceId ?? "",
      startedAt: performance.now(),
      decoded: decodeSafely(decode, message.value, headers),
      ended: false,
    };
  }
  const span = tracer().startSpan(
    `process ${topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: messagingAttributes("process", topic, {
        "messaging.consumer.group.name": group,
        "messaging.destination.partition.id": String(partition),
        "messaging.kafka.offset": Number(message.offset),
        ...(message.key ? { "messaging.kafka.message.key": message.key.toString() } : {}),
      }),
    },
    parent,
  );
  return {
    message,
    headers,
    span,
    traceContext: trace.setSpan(parent, span),
    traceId: span.spanContext().traceId,
    startedAt: performance.now(),
    decoded: decodeSafely(decode, message.value, headers),
    ended: false,
  };
}

function decodeSafely<T>(
  decode: RecordDecoder<T>,
  value: Buffer | null,
  headers: Record<string, string>,
): PendingRecord<T>["decoded"] {
  try {
    const decoded = decode(value, headers);
    return decoded.ok ? { ok: true, value: decoded.value } : { ok: false, reason: decoded.reason };
  } catch (error) {
    return { ok: false, reason: `decoder threw: ${(error as Error).message}` };
  }
}

/** Ends the record's span (once), with what happened to it when it finished. */
export function endRecord<T>(item: PendingRecord<T>, outcome?: RecordOutcome): void {
  if (item.ended) return;
  item.ended = true;
  item.outcome = outcome;
  if (item.span === undefined) return;
  if (outcome) item.span.setAttribute("pb.consumer.outcome", outcome);
  item.span.end();
}

/** The record as the sink gets it (only decoded records reach the sink). */
export function inboundRecord<T>(topic: string, partition: number, item: PendingRecord<T>): InboundRecord<T> {
  if (!item.decoded.ok) throw new Error("only decoded records reach the sink");
  return {
    topic,
    partition,
    offset: item.message.offset,
    key: item.message.key?.toString() ?? null,
    value: item.decoded.value,
    headers: item.headers,
    timestamp: item.message.timestamp,
    traceContext: item.traceContext,
    traceId: item.traceId,
  };
}
