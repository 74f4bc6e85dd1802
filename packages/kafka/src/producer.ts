import { type Span, SpanStatusCode } from "@opentelemetry/api";
import { BridgeError, type Component, UnavailableError } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import {
  CompressionTypes,
  type Kafka,
  type Message,
  Partitioners,
  type Producer,
  type ProducerBatch,
} from "kafkajs";
import { Counter, Histogram, type Registry } from "prom-client";
import { recordBytesBound, TopicLimits } from "./topic-limits.js";
import { startProducerSpan } from "./tracing.js";

/** One record to produce. Values are bytes; headers are strings (CloudEvents, trace context). */
export interface OutgoingRecord {
  topic: string;
  key: string | null;
  value: Buffer;
  headers?: Record<string, string>;
}

export interface BatchingProducerOptions {
  log: Logger;
  registry: Registry;
  /**
   * How long the first record of a batch waits for company, counted from when it was queued (Kafka's
   * `linger.ms`): records that queued up behind a produce in flight have waited already and go out as
   * soon as it completes.
   */
  lingerMs?: number;
  /** Records per produce request at most. */
  maxBatchRecords?: number;
  /** A record not acknowledged within this budget fails with `kafka_unavailable` (never silently later). */
  sendTimeoutMs?: number;
  /** "none" unless measured faster (see the ingest benchmark). */
  compression?: "none" | "gzip";
  transactionalId?: string;
  /**
   * Topics this producer writes, whose `max.message.bytes` is read at start; others are read on
   * their first record (Kafka's default applies meanwhile).
   */
  topics?: readonly string[];
}

/**
 * One record larger than its topic accepts (`max.message.bytes`): never sent, or refused by the
 * broker on its own. Not retryable — the same bytes will not fit later — so the caller stores it
 * elsewhere (the ingress: on the rejected topic) instead of answering 503 for ever. Records batched
 * with it are not affected.
 */
export class RecordTooLargeError extends BridgeError {
  constructor(
    readonly topic: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(
      "record_too_large",
      `the record (about ${bytes} bytes) is larger than topic ${topic} accepts (${maxBytes} bytes per batch)`,
      { retryable: false, status: 500 },
    );
    this.name = "RecordTooLargeError";
  }
}

/** The broker refused a partition's batch as too large: split the request and try again. */
const TOO_LARGE = new Set(["MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE"]);
/**
 * The broker lost or no longer accepts this producer's id/epoch/sequence state (its state expired,
 * the log was truncated, another producer took the epoch). kafkajs calls these non-retriable, but a
 * fresh producer (new id, sequences from 0) writes the same records fine: retried, within deadline.
 */
const NEEDS_FRESH_PRODUCER = new Set([
  "UNKNOWN_PRODUCER_ID",
  "OUT_OF_ORDER_SEQUENCE_NUMBER",
  "INVALID_PRODUCER_EPOCH",
]);

/** The Kafka protocol error type of a kafkajs error, looking through its wrappers (`cause`). */
function kafkaErrorType(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { type, cause } = current as { type?: unknown; cause?: unknown };
    if (typeof type === "string") return type;
    current = cause;
  }
  return undefined;
}

interface Pending {
  record: OutgoingRecord;
  span: Span;
  /** Upper bound of its size in a record batch (`recordBytesBound`). */
  bytes: number;
  /** `performance.now()` (monotonic: a wall-clock step never stretches or cuts a deadline) when queued. */
  queuedAt: number;
  /** `performance.now()` past which the record is answered "not stored". */
  deadline: number;
  settled: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * An idempotent (acks=all) producer that coalesces concurrent `send` calls into batched produce
 * requests. kafkajs never batches across `send()` calls and an idempotent producer has one request in
 * flight per broker, so without coalescing every webhook would pay a full broker round trip in turn.
 * While one batch is in flight the next one fills up, so the batch size follows the load.
 *
 * Each `send` resolves only after the broker acknowledged its record, and rejects with a retryable
 * `UnavailableError` when that did not happen within `sendTimeoutMs` — the caller then answers 503
 * and nothing is reported as accepted. A record that timed out while still queued is not sent.
 *
 * One bad record never fails the others: each request keeps every topic's records under that topic's
 * `max.message.bytes` (read at start), a request the broker still refuses as too large is split in
 * halves and retried, and a single record too large for its topic rejects alone with
 * `RecordTooLargeError`. Producer-state errors (UNKNOWN_PRODUCER_ID, OUT_OF_ORDER_SEQUENCE_NUMBER,
 * INVALID_PRODUCER_EPOCH) are retried on a fresh producer within the records' deadline.
 *
 * @example
 * const producer = new BatchingProducer(kafka, { log, registry, lingerMs: 2 });
 * await producer.start();
 * await producer.send({ topic, key: deviceId, value, headers }); // acknowledged by all in-sync replicas
 */
export class BatchingProducer implements Component {
  readonly name = "kafka-producer";
  private producer: Producer;
  /** Set after a failed produce: the next batch goes through a new producer (new producer id). */
  private needsFreshProducer = false;
  /** Producers given up after a failure, disconnected once their last request settled. */
  private readonly retired = new Set<Producer>();
  private readonly queue: Pending[] = [];
  private lingerTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  private readonly lingerMs: number;
  private readonly maxBatch: number;
  private readonly sendTimeoutMs: number;
  private readonly compression: CompressionTypes;
  private readonly limits: TopicLimits;
  private readonly metrics: { batchSize: Histogram; latency: Histogram; failures: Counter<"reason"> };

  constructor(
    private readonly kafka: Kafka,
    private readonly options: BatchingProducerOptions,
  ) {
    this.lingerMs = options.lingerMs ?? 2;
    this.maxBatch = options.maxBatchRecords ?? 500;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 5_000;
    this.compression = options.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;
    this.producer = this.newProducer();
    this.limits = new TopicLimits(kafka, options.log);
    this.metrics = producerMetrics(options.registry);
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // One quick same-batch retry inside kafkajs (idempotent: same sequence numbers, safe) at most;
      // everything further happens in `produce`, bounded by the records' deadline, each attempt with a
      // fresh producer id. So an abandoned request cannot keep retrying behind a 503 for long.
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
      ...(this.options.transactionalId ? { transactionalId: this.options.transactionalId } : {}),
    });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.limits.refresh(this.options.topics ?? []).catch((error: unknown) => {
      this.options.log.warn({ err: error }, "could not read max.message.bytes; Kafka's default applies");
    });
  }

  /**
   * Produces records; resolves when all are acknowledged (acks=all), rejects with UnavailableError
   * when any is not within the budget.
   */
  send(records: OutgoingRecord | OutgoingRecord[]): Promise<void> {
    const list = Array.isArray(records) ? records : [records];
    return Promise.all(list.map((record) => this.enqueue(record))).then(() => undefined);
  }

  private enqueue(record: OutgoingRecord): Promise<void> {
    if (this.stopped) {
      return Promise.reject(new UnavailableError("kafka_unavailable", "producer is shutting down"));
    }
    return new Promise<void>((resolve, reject) => {
      const headers = { ...(record.headers ?? {}) };
      const span = startProducerSpan(record.topic, record.key, headers);
      const now = performance.now();
      const withHeaders = { ...record, headers };
      const pending: Pending = {
        record: withHeaders,
        span,
        bytes: recordBytesBound(withHeaders),
        queuedAt: now,
        deadline: now + this.sendTimeoutMs,
        settled: false,
        resolve,
        reject,
        timer: setTimeout(
          () => this.fail(pending, "timeout", "Kafka did not acknowledge in time"),
          this.sendTimeoutMs,
        ),
      };
      const budget = this.limits.budgetOf(record.topic);
      if (pending.bytes > budget) {
        this.failTooLarge(pending, budget);
        return;
      }
      this.queue.push(pending);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight) return; // the current batch's completion triggers the next flush
    if (this.queue.length >= this.maxBatch) {
      this.flushNow();
    } else if (!this.lingerTimer) {
      this.lingerTimer = setTimeout(() => this.flushNow(), this.lingerMs);
    }
  }

  /**
   * After a produce completed: records that queued behind it have usually waited out their linger
   * during the round trip, so they go now instead of lingering a second time (at 50 concurrent
   * webhooks that second wait was a third of every produce cycle).
   */
  private scheduleAfterProduce(): void {
    const first = this.queue[0];
    if (!first || this.lingerTimer) return;
    const waitMs = first.queuedAt + this.lingerMs - performance.now();
    if (waitMs <= 0 || this.queue.length >= this.maxBatch) this.flushNow();
    else this.lingerTimer = setTimeout(() => this.flushNow(), waitMs);
  }

  private flushNow(): void {
    if (this.lingerTimer) {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    if (this.inFlight) return;
    const now = performance.now();
    const batch: Pending[] = [];
    const topicBytes = new Map<string, number>();
    while (batch.length < this.maxBatch && this.queue.length > 0) {
      const next = this.queue[0] as Pending;
      // Already answered as failed: sending it now would store what we told the caller was not stored.
      if (next.settled || next.deadline <= now) {
        this.queue.shift();
        continue;
      }
      const { topic } = next.record;
      const budget = this.limits.budgetOf(topic);
      const bytes = (topicBytes.get(topic) ?? 0) + next.bytes;
      if (bytes > budget) {
        if (topicBytes.has(topic)) break; // the next batch takes it; order is kept
        this.queue.shift();
        this.failTooLarge(next, budget); // the topic's limit was lowered since it was queued
        continue;
      }
      this.queue.shift();
      topicBytes.set(topic, bytes);
      batch.push(next);
    }
    if (batch.length === 0) return;
    this.inFlight = this.produce(batch).finally(() => {
      this.inFlight = undefined;
      this.scheduleAfterProduce();
    });
  }

  /**
   * Produces one batch. When the broker refuses it as too large (its limit was lowered, or our
   * estimate was short), the batch is split in halves, produced in order; a single record it still
   * refuses rejects alone with `RecordTooLargeError`. The broker answers per partition, so records of
   * other partitions in the refused request may be written twice (at-least-once; `ce_id` dedupes).
   */
  private async produce(batch: Pending[]): Promise<void> {
    if ((await this.attempt(batch)) !== "too_large") return;
    const live = batch.filter((pending) => !pending.settled);
    // Learn the topic's new limit for the next batches; the halves below do not wait for it.
    for (const topic of new Set(live.map((p) => p.record.topic))) {
      void this.limits.refreshInBackground(topic);
    }
    const [only] = live;
    if (live.length === 1 && only) {
      this.failTooLarge(only, this.limits.budgetOf(only.record.topic));
      return;
    }
    const half = Math.ceil(live.length / 2);
    await this.produce(live.slice(0, half));
    await this.produce(live.slice(half));
  }

  /**
   * Sends one batch, retrying until the earliest deadline of its records: each attempt after a
   * failure goes through a fresh producer (see `retireProducer`). kafkajs retries at most once on its
   * own, so once the deadline passed and the callers were answered "not stored", no new attempt is
   * made that could store the records much later (a request already on the wire may still land:
   * at-least-once, and Parakey's retry is deduped downstream by `ce_id`).
   */
  private async attempt(batch: Pending[]): Promise<"done" | "too_large"> {
    const byTopic = new Map<string, Message[]>();
    for (const { record } of batch) {
      const messages = byTopic.get(record.topic) ?? [];
      messages.push({ key: record.key, value: record.value, headers: record.headers ?? {} });
      byTopic.set(record.topic, messages);
    }
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    this.metrics.batchSize.observe(batch.length);
    const started = performance.now();
    const deadline = Math.min(...batch.map((p) => p.deadline));
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - performance.now();
      if (remaining <= 0 || batch.every((p) => p.settled)) {
        for (const pending of batch) this.fail(pending, "timeout", "Kafka did not acknowledge in time");
        return "done";
      }
      let timer: NodeJS.Timeout | undefined;
      const sent = this.sendBatch({
        acks: -1,
        timeout: Math.ceil(remaining),
        compression: this.compression,
        topicMessages,
      });
      try {
        await Promise.race([
          sent,
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("produce deadline exceeded")), remaining);
          }),
        ]);
        this.metrics.latency.observe((performance.now() - started) / 1000);
        for (const pending of batch) this.succeed(pending);
        return "done";
      } catch (error) {
        this.retireProducer(sent);
        const type = kafkaErrorType(error);
        if (type !== undefined && TOO_LARGE.has(type)) {
          this.options.log.info({ type, records: batch.length }, "produce refused as too large");
          return "too_large";
        }
        const pause = Math.min(1_000, 50 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
        const fresh = type !== undefined && NEEDS_FRESH_PRODUCER.has(type);
        const permanent = !fresh && (error as { retriable?: unknown }).retriable === false;
        if (permanent || performance.now() + pause >= deadline) {
          this.options.log.warn(
            { err: error, records: batch.length, attempts: attempt + 1 },
            "produce failed",
          );
          for (const pending of batch) this.fail(pending, "error", (error as Error).message);
          return "done";
        }
        this.options.log.debug({ err: error, records: batch.length, attempt }, "produce failed, retrying");
        await new Promise((resolve) => setTimeout(resolve, pause));
      } finally {
        clearTimeout(timer);
      }
    }
  }

  private async sendBatch(batch: ProducerBatch): Promise<void> {
    if (this.needsFreshProducer) {
      this.needsFreshProducer = false;
      this.producer = this.newProducer();
      await this.producer.connect();
    }
    await this.producer.sendBatch(batch);
  }

  /**
   * Gives up the current producer after a failed or timed-out produce. kafkajs rolls its sequence
   * numbers back when a produce request fails, although the broker may have written the batch (the
   * answer was lost, or our deadline passed first). The next batch would then reuse those sequence
   * numbers, and the broker would acknowledge it as a duplicate of the earlier one WITHOUT writing it:
   * a record reported as stored that is not. A new producer gets a new producer id and fresh
   * sequences, so the next batch is really written (the earlier one maybe twice: at-least-once).
   */
  private retireProducer(lastRequest: Promise<unknown>): void {
    const old = this.producer;
    this.needsFreshProducer = true;
    if (this.retired.has(old)) return;
    this.retired.add(old);
    void lastRequest.catch(() => undefined).then(() => this.disconnectRetired(old));
  }

  private async disconnectRetired(producer: Producer): Promise<void> {
    if (!this.retired.delete(producer)) return;
    await producer.disconnect().catch((error: unknown) => {
      this.options.log.debug({ err: error }, "disconnecting a retired producer failed");
    });
  }

  private succeed(pending: Pending): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    pending.span.end();
    pending.resolve();
  }

  private failTooLarge(pending: Pending, budget: number): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    this.metrics.failures.inc({ reason: "too_large" });
    pending.span.setStatus({ code: SpanStatusCode.ERROR, message: "record too large for its topic" });
    pending.span.end();
    pending.reject(new RecordTooLargeError(pending.record.topic, pending.bytes, budget));
  }

  private fail(pending: Pending, reason: "timeout" | "error", message: string): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    this.metrics.failures.inc({ reason });
    pending.span.setStatus({ code: SpanStatusCode.ERROR, message });
    pending.span.end();
    pending.reject(new UnavailableError("kafka_unavailable", `Kafka did not store the record: ${message}`));
  }

  /** Flushes what is queued (each record still bounded by its deadline), then disconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.queue.length > 0 || this.inFlight) {
      this.flushNow();
      await this.inFlight;
    }
    await Promise.all([
      this.producer.disconnect(),
      ...[...this.retired].map((producer) => this.disconnectRetired(producer)),
    ]);
  }
}

function producerMetrics(registry: Registry) {
  const existing = registry.getSingleMetric("bridge_kafka_produce_batch_size");
  if (existing) {
    return {
      batchSize: existing as Histogram,
      latency: registry.getSingleMetric("bridge_kafka_produce_duration_seconds") as Histogram,
      failures: registry.getSingleMetric("bridge_kafka_produce_failures_total") as Counter<"reason">,
    };
  }
  return {
    batchSize: new Histogram({
      name: "bridge_kafka_produce_batch_size",
      help: "Records per produce request (coalesced sends).",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    latency: new Histogram({
      name: "bridge_kafka_produce_duration_seconds",
      help: "Time from produce request to acknowledgement by all in-sync replicas.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    failures: new Counter({
      name: "bridge_kafka_produce_failures_total",
      help: "Records Kafka did not acknowledge, by reason (timeout, error, too_large).",
      labelNames: ["reason"],
      registers: [registry],
    }),
  };
}
