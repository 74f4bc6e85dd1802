import { type Context, type Span, SpanKind, trace } from "@opentelemetry/api";
import { tracer } from "@parakey-bridge/telemetry";
import type { KafkaMessage } from "kafkajs";
import { contextFromHeaders, headersToStrings, messagingAttributes } from "../tracing.js";
import type { RecordOutcome } from "./metrics.js";
import type { InboundRecord, RecordDecoder } from "./types.js";

/** A fetched record on its way through the runner: decoded once, traced until it is finished. */
export interface PendingRecord<T> {
  message: KafkaMessage;
  headers: Record<string, string>;
  span: Span;
  traceContext: Context;
  startedAt: number;
  decoded: { ok: true; value: T } | { ok: false; reason: string };
  ended: boolean;
  outcome?: RecordOutcome;
}

/**
 * Opens a record: its CONSUMER span (continuing the producer's trace from its headers) and its
 * decoded value; a decoder that throws counts as a contract failure, not a crash.
 */
export function openRecord<T>(
  topic: string,
  partition: number,
  message: KafkaMessage,
  group: string,
  decode: RecordDecoder<T>,
): PendingRecord<T> {
  const headers = headersToStrings(message.headers);
  const parent = contextFromHeaders(message.headers);
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
    traceId: item.span.spanContext().traceId,
  };
}
