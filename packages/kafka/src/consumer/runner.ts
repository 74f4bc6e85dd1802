import { setTimeout as sleep } from "node:timers/promises";
import { context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { deadLetterTopic } from "@parakey-bridge/contracts";
import { type Clock, type Component, type HealthCheck, systemClock } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import { tracer } from "@parakey-bridge/telemetry";
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from "kafkajs";
import type { Registry } from "prom-client";
import { BatchingProducer } from "../producer.js";
import { ensureTopics } from "../topic-admin.js";
import { contextFromHeaders, headersToStrings, messagingAttributes } from "../tracing.js";
import { backoffDelay, defaultRetryPolicy, type RetryPolicy } from "./backoff.js";
import { type DeadLetterFailure, DeadLetterHeaders, deadLetterHeaders } from "./dead-letter.js";
import { dispositionOf } from "./failure.js";
import { ConsumerLag } from "./lag.js";
import { type ConsumerMetrics, consumerMetrics, type RecordOutcome } from "./metrics.js";
import { redriveTopic } from "./topics.js";
import type { ConsumerSink, InboundRecord, RecordDecoder, WriteOutcome } from "./types.js";

export interface ConsumerRunnerOptions<T> {
  kafka: Kafka;
  /** The consumer group: one per service. Names its dead-letter and redrive topics too. */
  group: string;
  topics: readonly string[];
  decode: RecordDecoder<T>;
  sink: ConsumerSink<T>;
  log: Logger;
  registry: Registry;
  clock?: Clock;
  /** When the bridge received the event (ms since the epoch), for the end-to-end latency metric. */
  receivedAt?: (value: T) => number | undefined;
  /** Where a group without committed offsets starts: the beginning (default) or the end. */
  fromBeginning?: boolean;
  /** Records per sink write at most (a fetched batch is written in chunks of this size). */
  maxBatchRecords?: number;
  /** Partitions processed in parallel (each in its own sink writes). */
  partitionsConsumedConcurrently?: number;
  retry?: Partial<RetryPolicy>;
  /** First delay between health probes of a paused sink (doubles up to 10 s). */
  probeIntervalMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /**
   * The loop counts as dead (liveness fails) when it showed no sign of life for this long, or when
   * one sink call or dead-letter send has been running this long (the member's heartbeats during it
   * keep the partitions assigned, but a call that never returns holds them forever).
   */
  livenessTimeoutMs?: number;
  /**
   * First delay before the runner rebuilds a consumer that crashed on a retriable error (a broker
   * outage outlasting kafkajs's own retries); doubles per failed attempt up to 30 s.
   */
  reconnectDelayMs?: number;
  /** Subscribe to the group's redrive topic (default true). */
  redrive?: boolean;
  /** Partitions of the dead-letter and redrive topics when the runner creates them. */
  deadLetterPartitions?: number;
  /** Retention of the dead-letter and redrive topics when the runner creates them (default 30 days). */
  deadLetterRetentionMs?: number;
  /**
   * Called once when the consumer cannot go on (a crash on an error kafkajs deems unrecoverable: a
   * bug that escaped the loop, a refused authorization): the composition root ends the process with
   * a non-zero code and Kubernetes restarts it. A broker outage never ends up here, however long.
   */
  onFatal: (error: Error) => void;
}

interface Pending<T> {
  message: KafkaMessage;
  headers: Record<string, string>;
  span: Span;
  traceContext: ReturnType<typeof context.active>;
  startedAt: number;
  decoded: { ok: true; value: T } | { ok: false; reason: string };
  ended: boolean;
  outcome?: RecordOutcome;
}

/** How far a sequence of records got: `done` of them finished; `stop` = leave the batch now. */
interface Progress {
  done: number;
  stop: boolean;
}

/** How far a chunk got, and whether its last finished record went to the dead-letter topic. */
interface ChunkProgress extends Progress {
  lastDeadLettered: boolean;
}

/**
 * The consumer runtime every sink service runs on (audit, check-in, billing): one consumer group,
 * batches written to a sink with explicit offset handling, retries in place, a dead-letter topic,
 * pause-and-probe during a sink outage, health, metrics and traces. Services never touch kafkajs.
 *
 * Guarantees, given an idempotent sink (see `ConsumerSink`):
 * - a record's offset is committed to Kafka only after the sink committed it, so a crash at any
 *   point re-delivers instead of losing;
 * - records of a partition (so of a device) reach the sink in offset order: a retryable failure is
 *   retried in place with capped exponential backoff while the member keeps heartbeating;
 * - only a record that fails the contract, or that the sink rejects with a non-retryable error (its
 *   data: see `dispositionOf`), goes to `deadLetterTopic(group)` with the reason and origin in
 *   headers, and the stream moves on; once
 *   the dead-letter topic acknowledged it, its offset is committed to Kafka and, for a sink that
 *   resumes from its own offsets, stored there (`setStoredOffset`), so a restart does not
 *   dead-letter it again;
 * - a sink that cannot take writes (unreachable, read-only, full, a revoked grant, a missing table)
 *   pauses the group's topics (no retries burnt, nothing dead-lettered), and so does a retryable
 *   failure that outlasts the retry budget; a probe loop (the sink's representative write, rolled
 *   back) resumes them when the sink takes writes again;
 * - liveness fails when the loop shows no sign of life, or one sink call hangs, for
 *   `livenessTimeoutMs`; a crash kafkajs will not restart (or repeated crashes) calls `onFatal`.
 *
 * @example
 * const runner = new ConsumerRunner({
 *   kafka, group: "audit", topics: [Topics.eventLogs], decode: doorEventDecoder, sink: auditSink,
 *   log, registry, receivedAt: (e) => Date.parse(e.receivedAt), onFatal: (err) => exit(1),
 * });
 * lifecycle.add(runner); checks.push(runner.check);
 */
export class ConsumerRunner<T> implements Component {
  readonly name: string;
  /** Liveness: the loop heartbeats; readiness: a group member and the sink answers. */
  readonly check: HealthCheck;

  /** The kafkajs consumer of now: rebuilt after a crash on a retriable error (see `reconnect`). */
  private consumer: Consumer;
  private readonly producer: BatchingProducer;
  private readonly lag: ConsumerLag;
  private readonly metrics: ConsumerMetrics;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly topics: string[];
  private readonly dlqTopic: string;
  private readonly heartbeatIntervalMs: number;
  private readonly stopSignal = new AbortController();
  private lastSignOfLife: number;
  /** Start times (ms) of the sink calls and sends running now. */
  private readonly callsInFlight = new Set<{ since: number }>();
  private joined = false;
  private outage = false;
  private failed: Error | undefined;
  /** Set while the runner rebuilds a crashed consumer: alive, not ready. */
  private reconnecting = false;
  /** A crash during a reconnect attempt: the attempt failed, try again. */
  private crashedWhileReconnecting = false;
  /** The error kafkajs last asked `restartOnFailure` about: it deems it retriable. */
  private retriableCrash: unknown;
  private assignmentReady: Promise<void> = Promise.resolve();

  constructor(private readonly options: ConsumerRunnerOptions<T>) {
    if (options.sink.storedOffsets && !options.sink.setStoredOffset) {
      throw new Error(
        `sink ${options.sink.name} resumes from storedOffsets, so it must implement setStoredOffset: otherwise a dead-lettered last record is read and dead-lettered again after every restart`,
      );
    }
    this.name = `consumer-${options.group}`;
    this.clock = options.clock ?? systemClock;
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.dlqTopic = deadLetterTopic(options.group);
    this.topics = [...options.topics, ...(options.redrive === false ? [] : [redriveTopic(options.group)])];
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
    this.lastSignOfLife = Date.now();
    this.metrics = consumerMetrics(options.registry, options.group);
    this.consumer = this.newConsumer();
    this.producer = new BatchingProducer(options.kafka, {
      log: options.log.child({ component: "dead-letter-producer" }),
      registry: options.registry,
      lingerMs: 5,
      sendTimeoutMs: 10_000,
    });
    this.lag = new ConsumerLag(
      options.kafka,
      options.group,
      () => this.topics,
      options.registry,
      options.log,
    );
    const livenessTimeoutMs = options.livenessTimeoutMs ?? 60_000;
    this.check = {
      name: this.name,
      live: () => {
        const now = Date.now();
        if (this.failed !== undefined) return false;
        // Rebuilding the consumer through a broker outage is the loop doing its job (each attempt is
        // bounded in time): a restarted pod would only wait for the same brokers.
        if (this.reconnecting) return true;
        if (now - this.lastSignOfLife >= livenessTimeoutMs) return false;
        for (const call of this.callsInFlight) if (now - call.since >= livenessTimeoutMs) return false;
        return true;
      },
      ready: async () =>
        this.joined &&
        !this.reconnecting &&
        !this.outage &&
        this.failed === undefined &&
        (await options.sink.probe()),
    };
  }

  /**
   * A kafkajs consumer of the group with the runner's listeners. kafkajs would restart a consumer
   * that crashed on a retriable error itself, but the runner does it (`reconnect`): kafkajs's own
   * restarts give up nothing and tell nothing, while the runner reports not-ready meanwhile, backs
   * off up to 30 s and never exits for an outage.
   */
  private newConsumer(): Consumer {
    const consumer = this.options.kafka.consumer({
      groupId: this.options.group,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.heartbeatIntervalMs,
      allowAutoTopicCreation: false,
      retry: {
        retries: 8,
        initialRetryTime: 300,
        maxRetryTime: 10_000,
        // kafkajs asks only about errors it deems retriable (a lost broker, retries exhausted).
        restartOnFailure: async (error) => {
          this.retriableCrash = error;
          return false;
        },
      },
    });
    this.watchConsumer(consumer);
    return consumer;
  }

  /** Connects, subscribes and runs `consumer`; resolves once it runs (or crashed trying). */
  private async run(consumer: Consumer): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topics: this.topics, fromBeginning: this.options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    if (this.outage) consumer.pause(this.topics.map((topic) => ({ topic })));
  }

  /** The topics this group reads: the configured ones and its redrive topic. */
  get subscribedTopics(): readonly string[] {
    return this.topics;
  }

  async start(): Promise<void> {
    await this.ensureOwnTopics();
    await this.producer.start();
    await this.run(this.consumer);
    this.options.log.info({ group: this.options.group, topics: this.topics }, "consumer started");
  }

  /**
   * Stops fetching, lets the chunk in flight finish (its offsets are committed), leaves the group,
   * then flushes the dead-letter producer.
   */
  async stop(): Promise<void> {
    this.stopSignal.abort();
    await this.consumer.disconnect();
    // A reconnect in flight may have put a fresh consumer in place meanwhile.
    await this.consumer.disconnect();
    this.joined = false;
    await this.producer.stop();
    await this.lag.close();
  }

  private touch(): void {
    this.lastSignOfLife = Date.now();
  }

  private watchConsumer(consumer: Consumer): void {
    const { events } = consumer;
    const log = this.options.log;
    // Events of a consumer the runner has replaced say nothing about the one running now.
    const current = () => consumer === this.consumer;
    consumer.on(events.FETCH_START, () => {
      if (current()) this.touch();
    });
    consumer.on(events.HEARTBEAT, () => {
      if (current()) this.touch();
    });
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      if (!current()) return;
      this.joined = true;
      this.touch();
      log.info({ group: payload.groupId, assignment: payload.memberAssignment }, "joined consumer group");
      this.assignmentReady = this.seekOnAssignment(payload.memberAssignment);
    });
    consumer.on(events.REBALANCING, () => {
      if (current()) this.joined = false;
    });
    consumer.on(events.STOP, () => {
      if (current()) this.joined = false;
    });
    consumer.on(events.CRASH, ({ payload }) => {
      if (!current()) return;
      this.joined = false;
      const error = payload.error instanceof Error ? payload.error : new Error(String(payload.error));
      const retriable = this.retriableCrash === payload.error;
      this.retriableCrash = undefined;
      if (!retriable) {
        this.fatal(error, "consumer crashed on an error that a restart of the loop will not cure");
        return;
      }
      if (this.stopSignal.signal.aborted) return;
      log.error(
        { err: error, group: this.options.group },
        "consumer crashed (broker unreachable?); reconnecting",
      );
      this.reconnect();
    });
  }

  /**
   * Rebuilds the consumer after a crash on a retriable error — typically brokers unreachable for
   * longer than kafkajs's retries last — with backoff (1 s doubling to 30 s) until it runs again.
   * Meanwhile the runner is alive and not ready; it never ends the process for an outage, so a
   * long one does not become a crash loop. Records are read again from the committed (or stored)
   * offsets, and the sinks recognise those they hold.
   */
  private reconnect(): void {
    if (this.reconnecting) {
      this.crashedWhileReconnecting = true;
      return;
    }
    this.reconnecting = true;
    const { log, group } = this.options;
    const startedAt = Date.now();
    void (async () => {
      for (let attempt = 1; !this.stopSignal.signal.aborted; attempt++) {
        const delay = Math.min(
          30_000,
          (this.options.reconnectDelayMs ?? 1_000) * 2 ** Math.min(attempt - 1, 5),
        );
        try {
          await sleep(delay, undefined, { signal: this.stopSignal.signal });
        } catch {
          break;
        }
        const previous = this.consumer;
        await previous.disconnect().catch((error: unknown) => {
          log.debug({ err: error }, "disconnecting the crashed consumer failed");
        });
        if (this.stopSignal.signal.aborted) break;
        this.crashedWhileReconnecting = false;
        const fresh = this.newConsumer();
        this.consumer = fresh;
        try {
          await this.run(fresh);
        } catch (error) {
          log.warn({ err: error, group, attempt }, "reconnecting the consumer failed; trying again");
          continue;
        }
        if (this.crashedWhileReconnecting) {
          log.warn({ group, attempt }, "the reconnected consumer crashed again; trying again");
          continue;
        }
        this.touch();
        log.info({ group, attempts: attempt, downMs: Date.now() - startedAt }, "consumer reconnected");
        break;
      }
      this.reconnecting = false;
    })();
  }

  private fatal(error: Error, message: string): void {
    if (this.failed) return;
    this.failed = error;
    this.options.log.fatal({ err: error, group: this.options.group }, message);
    this.options.onFatal(error);
  }

  /**
   * Where each assigned partition starts. A sink that keeps offsets itself resumes where its store
   * says, not where Kafka says. Either offset is checked against the partition first: one beyond
   * its end (the topic was recreated, or the service points at another cluster) or before its start
   * (retention deleted records this group never read) is logged, counted
   * (`bridge_consumer_stored_offset_rebased_total`) and re-based to the partition's start — the
   * sinks' event-id claims tell the records they hold from new ones, so reading from the start
   * loses nothing and applies nothing twice, while a stale offset would hide every new record
   * below it.
   */
  private async seekOnAssignment(assignment: Record<string, number[]>): Promise<void> {
    const { sink, log, group } = this.options;
    for (;;) {
      try {
        const admin = this.options.kafka.admin();
        await admin.connect();
        try {
          for (const [topic, partitions] of Object.entries(assignment)) {
            const bounds = await admin.fetchTopicOffsets(topic);
            const own = sink.storedOffsets ? await sink.storedOffsets(topic) : undefined;
            const committed = own
              ? undefined
              : (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions;
            for (const partition of partitions) {
              const kafkaOffset = committed?.find((p) => p.partition === partition)?.offset;
              const offset = own
                ? own.get(partition)
                : kafkaOffset !== undefined && kafkaOffset !== "-1"
                  ? kafkaOffset
                  : undefined;
              if (offset === undefined) continue;
              const range = bounds.find((b) => b.partition === partition);
              const reason =
                range === undefined
                  ? undefined
                  : BigInt(offset) > BigInt(range.high)
                    ? "beyond_end"
                    : BigInt(offset) < BigInt(range.low)
                      ? "before_start"
                      : undefined;
              if (range !== undefined && reason !== undefined) {
                this.metrics.offsetsRebased.inc({ group, reason });
                log.warn(
                  {
                    group,
                    topic,
                    partition,
                    storedOffset: offset,
                    kept: own ? "sink" : "kafka",
                    start: range.low,
                    end: range.high,
                    reason,
                  },
                  reason === "beyond_end"
                    ? "stored offset is beyond the partition's end (topic recreated, or another cluster): re-based to its start; the event-id claims skip what is already stored"
                    : "stored offset is before the partition's start (records deleted before this group read them): re-based to its start",
                );
                if (own) await sink.setStoredOffset?.(topic, partition, range.low);
                this.consumer.seek({ topic, partition, offset: range.low });
              } else if (own) {
                this.consumer.seek({ topic, partition, offset });
              }
            }
          }
        } finally {
          await admin.disconnect();
        }
        return;
      } catch (error) {
        if (this.stopSignal.signal.aborted) return;
        // Until the offsets are known nothing may be processed: records could be stored twice or skipped.
        log.warn({ err: error }, "could not check the assigned partitions' offsets; retrying");
        await sleep(1_000, undefined, { signal: this.stopSignal.signal }).catch(() => undefined);
      }
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    this.touch();
    await this.assignmentReady;
    const canContinue = () => isRunning() && !isStale() && !this.stopSignal.signal.aborted;
    const size = this.options.maxBatchRecords ?? 500;
    for (let start = 0; start < batch.messages.length; start += size) {
      if (!canContinue() || this.outage) return;
      const chunk = batch.messages.slice(start, start + size);
      const progress = await this.processChunk(batch.topic, batch.partition, chunk, heartbeat, canContinue);
      const last = chunk[progress.done - 1];
      if (last) {
        const next = (BigInt(last.offset) + 1n).toString();
        if (progress.lastDeadLettered) {
          await this.passStoredOffset(batch.topic, batch.partition, next, heartbeat, canContinue);
        }
        resolveOffset(last.offset);
        await commitOffsetsIfNecessary({
          topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }],
        });
      }
      if (progress.stop) return;
      await heartbeat();
      this.touch();
    }
  }

  /** Decodes, then writes runs of good records and dead-letters bad ones, in offset order. */
  private async processChunk(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    heartbeat: () => Promise<void>,
    canContinue: () => boolean,
  ): Promise<ChunkProgress> {
    const pending = messages.map((message) => this.open(topic, partition, message));
    let done = 0;
    const result = (stop: boolean): ChunkProgress => ({
      done,
      stop,
      lastDeadLettered: pending[done - 1]?.outcome === "dead_lettered",
    });
    try {
      while (done < pending.length) {
        const first = pending[done] as Pending<T>;
        if (!first.decoded.ok) {
          const failure = { code: "contract_violation", message: first.decoded.reason, attempts: 1 };
          if (!(await this.deadLetter(topic, partition, first, failure, heartbeat, canContinue))) {
            return result(true);
          }
          done += 1;
          continue;
        }
        let end = done;
        while (end < pending.length && pending[end]?.decoded.ok) end += 1;
        const run = pending.slice(done, end);
        const progress = await this.writeWithRetry(topic, partition, run, heartbeat, canContinue);
        done += progress.done;
        if (progress.stop) return result(true);
      }
      return result(false);
    } finally {
      // Records left unfinished are fetched again later; their new delivery gets a new span.
      for (const item of pending) this.end(item);
    }
  }

  private open(topic: string, partition: number, message: KafkaMessage): Pending<T> {
    const headers = headersToStrings(message.headers);
    const parent = contextFromHeaders(message.headers);
    const span = tracer().startSpan(
      `process ${topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: messagingAttributes("process", topic, {
          "messaging.consumer.group.name": this.options.group,
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
      decoded: this.decode(message.value, headers),
      ended: false,
    };
  }

  private decode(value: Buffer | null, headers: Record<string, string>): Pending<T>["decoded"] {
    try {
      const decoded = this.options.decode(value, headers);
      return decoded.ok ? { ok: true, value: decoded.value } : { ok: false, reason: decoded.reason };
    } catch (error) {
      return { ok: false, reason: `decoder threw: ${(error as Error).message}` };
    }
  }

  private end(item: Pending<T>, outcome?: RecordOutcome): void {
    if (item.ended) return;
    item.ended = true;
    item.outcome = outcome;
    if (outcome) item.span.setAttribute("pb.consumer.outcome", outcome);
    item.span.end();
  }

  private inbound(topic: string, partition: number, item: Pending<T>): InboundRecord<T> {
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

  /**
   * Writes records until the sink took them; a failure goes by `dispositionOf`. `pause` (or a
   * failure after which the sink's probe fails too) → pause the group and stop. `retry` → retry in
   * place with backoff; past the retry budget pause the group instead of dead-lettering healthy
   * records. `dead_letter` → isolate the failing record by writing one at a time, and dead-letter
   * it alone.
   */
  private async writeWithRetry(
    topic: string,
    partition: number,
    items: Pending<T>[],
    heartbeat: () => Promise<void>,
    canContinue: () => boolean,
  ): Promise<Progress> {
    const records = items.map((item) => this.inbound(topic, partition, item));
    for (let attempt = 1; ; attempt++) {
      if (!canContinue() || this.outage) return { done: 0, stop: true };
      let failure: unknown;
      let written = false;
      let outcomes: readonly WriteOutcome[] | undefined;
      try {
        outcomes = await this.keepAlive(heartbeat, this.options.sink.write(records));
        written = true;
      } catch (error) {
        failure = error;
      }
      if (written) {
        // Outside the try: the sink committed, so a failure from here on is no reason to write again.
        this.succeeded(items, outcomes);
        return { done: items.length, stop: false };
      }
      const disposition = dispositionOf(failure);
      if (disposition === "pause" || !(await this.probeQuietly(heartbeat))) {
        this.startOutage(failure, "the sink cannot take writes");
        return { done: 0, stop: true };
      }
      if (disposition === "dead_letter") {
        if (items.length > 1) return this.oneByOne(topic, partition, items, heartbeat, canContinue);
        const code = (failure as { code?: string }).code ?? "sink_rejected";
        const message = (failure as Error).message ?? String(failure);
        const ok = await this.deadLetter(
          topic,
          partition,
          items[0] as Pending<T>,
          { code, message, attempts: attempt },
          heartbeat,
          canContinue,
        );
        return { done: ok ? 1 : 0, stop: !ok };
      }
      if (attempt >= this.retry.maxAttempts) {
        this.startOutage(failure, `the sink write kept failing (${attempt} attempts)`);
        return { done: 0, stop: true };
      }
      this.metrics.retries.inc({ group: this.options.group });
      const delay = backoffDelay(attempt, this.retry);
      this.options.log.warn(
        {
          err: failure,
          topic,
          partition,
          offset: items[0]?.message.offset,
          records: items.length,
          attempt,
          delayMs: delay,
        },
        "sink write failed; retrying in place",
      );
      if (!(await this.wait(delay, heartbeat, canContinue))) return { done: 0, stop: true };
    }
  }

  private async oneByOne(
    topic: string,
    partition: number,
    items: Pending<T>[],
    heartbeat: () => Promise<void>,
    canContinue: () => boolean,
  ): Promise<Progress> {
    let done = 0;
    for (const item of items) {
      const progress = await this.writeWithRetry(topic, partition, [item], heartbeat, canContinue);
      done += progress.done;
      if (progress.stop) return { done, stop: true };
    }
    return { done, stop: false };
  }

  private succeeded(items: Pending<T>[], outcomes: readonly WriteOutcome[] | undefined): void {
    const group = this.options.group;
    const now = this.clock.nowMs();
    const finished = performance.now();
    for (const [index, item] of items.entries()) {
      const outcome: WriteOutcome = outcomes?.[index] ?? "stored";
      this.metrics.processed.inc({ group, outcome });
      if (outcome === "duplicate") this.metrics.duplicates.inc({ group });
      this.metrics.processingSeconds.observe({ group }, (finished - item.startedAt) / 1000);
      const receivedAt = item.decoded.ok ? this.options.receivedAt?.(item.decoded.value) : undefined;
      if (receivedAt !== undefined && Number.isFinite(receivedAt) && outcome === "stored") {
        this.metrics.endToEndSeconds.observe({ group }, Math.max(0, now - receivedAt) / 1000);
      }
      this.end(item, outcome);
    }
  }

  /** Sends one record to the dead-letter topic; retries while Kafka does not take it. False = stop. */
  private async deadLetter(
    topic: string,
    partition: number,
    item: Pending<T>,
    failure: DeadLetterFailure,
    heartbeat: () => Promise<void>,
    canContinue: () => boolean,
  ): Promise<boolean> {
    const { message } = item;
    const headers = deadLetterHeaders(
      item.headers,
      this.options.group,
      { topic, partition, offset: message.offset, timestamp: message.timestamp },
      failure,
      this.clock.now(),
    );
    if (message.value === null) headers[DeadLetterHeaders.valueWasNull] = "true";
    const record = {
      topic: this.dlqTopic,
      key: message.key?.toString() ?? null,
      value: message.value ?? Buffer.alloc(0),
      headers,
    };
    for (let attempt = 1; ; attempt++) {
      if (!canContinue()) return false;
      try {
        await context.with(item.traceContext, () => this.keepAlive(heartbeat, this.producer.send(record)));
        break;
      } catch (error) {
        this.options.log.warn({ err: error, attempt }, "could not write to the dead-letter topic; retrying");
        if (!(await this.wait(backoffDelay(attempt, this.retry), heartbeat, canContinue))) return false;
      }
    }
    const group = this.options.group;
    this.metrics.deadLettered.inc({ group });
    this.metrics.processed.inc({ group, outcome: "dead_lettered" });
    this.options.log.warn(
      {
        group,
        topic,
        partition,
        offset: message.offset,
        code: failure.code,
        reason: failure.message,
        dlq: this.dlqTopic,
      },
      "record dead-lettered",
    );
    item.span.setStatus({ code: SpanStatusCode.ERROR, message: `${failure.code}: ${failure.message}` });
    this.end(item, "dead_lettered");
    return true;
  }

  /**
   * Records in a sink that keeps its own offsets that the partition is done up to `next`, when the
   * last records done were dead-lettered (a sink write moves its stored offset itself). The
   * dead-letter topic already holds them, so this is retried in place (an unreachable store also
   * pauses the group) rather than leaving the records to be read, and dead-lettered, again. Only
   * when the runner stops or loses the partition meanwhile, or the store keeps refusing for another
   * reason, does it give up: then a restart dead-letters those records a second time.
   */
  private async passStoredOffset(
    topic: string,
    partition: number,
    next: string,
    heartbeat: () => Promise<void>,
    canContinue: () => boolean,
  ): Promise<void> {
    const { sink, log } = this.options;
    if (!sink.setStoredOffset) return;
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      try {
        await this.keepAlive(heartbeat, sink.setStoredOffset(topic, partition, next));
        return;
      } catch (error) {
        failure = error;
      }
      const disposition = dispositionOf(failure);
      const unavailable = disposition === "pause" || !(await this.probeQuietly(heartbeat));
      if (unavailable) this.startOutage(failure, "the sink cannot store the offset past dead letters");
      else if (disposition === "dead_letter" || attempt >= this.retry.maxAttempts) {
        log.error(
          { err: failure, topic, partition, nextOffset: next },
          "could not store the offset past dead-lettered records; a restart dead-letters them again",
        );
        return;
      }
      if (!(await this.wait(backoffDelay(attempt, this.retry), heartbeat, canContinue))) {
        log.warn(
          { topic, partition, nextOffset: next },
          "stopped before the offset past dead-lettered records was stored; a restart dead-letters them again",
        );
        return;
      }
    }
  }

  /**
   * Heartbeats while a long sink call or send runs, so the member is not evicted meanwhile. The
   * call counts as in flight for liveness: heartbeats alone are no sign that the loop is alive.
   */
  private async keepAlive<R>(heartbeat: () => Promise<void>, work: Promise<R>): Promise<R> {
    const call = { since: Date.now() };
    this.callsInFlight.add(call);
    const timer = setInterval(() => {
      heartbeat().catch((error: unknown) => {
        this.options.log.debug({ err: error }, "heartbeat during a sink write failed");
      });
    }, this.heartbeatIntervalMs);
    try {
      return await work;
    } finally {
      clearInterval(timer);
      this.callsInFlight.delete(call);
    }
  }

  /** Waits `ms`, heartbeating; false when the wait was cut short (stopping, rebalance). */
  private async wait(
    ms: number,
    heartbeat: () => Promise<void>,
    canContinue: () => boolean,
  ): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!canContinue()) return false;
      try {
        await sleep(Math.min(this.heartbeatIntervalMs, until - Date.now()), undefined, {
          signal: this.stopSignal.signal,
        });
        await heartbeat();
      } catch {
        return false;
      }
      this.touch();
    }
    return canContinue();
  }

  /** The sink's probe; false when it throws. Heartbeats meanwhile when given the batch's heartbeat. */
  private async probeQuietly(heartbeat?: () => Promise<void>): Promise<boolean> {
    try {
      const probe = this.options.sink.probe();
      return await (heartbeat ? this.keepAlive(heartbeat, probe) : probe);
    } catch {
      return false;
    }
  }

  /**
   * Pauses every topic of the group and probes the sink (a representative write, rolled back)
   * until it takes writes again, then resumes: nothing is dead-lettered meanwhile.
   */
  private startOutage(error: unknown, reason: string): void {
    if (this.outage) return;
    this.outage = true;
    const topics = this.topics.map((topic) => ({ topic }));
    this.consumer.pause(topics);
    this.options.log.warn(
      { err: error, group: this.options.group, sink: this.options.sink.name, reason },
      "sink unavailable: consumption paused until its write probe succeeds",
    );
    void (async () => {
      const started = Date.now();
      for (let attempt = 0; !this.stopSignal.signal.aborted; attempt++) {
        const delay = Math.min(10_000, (this.options.probeIntervalMs ?? 500) * 2 ** Math.min(attempt, 5));
        try {
          await sleep(delay, undefined, { signal: this.stopSignal.signal });
        } catch {
          return;
        }
        this.touch();
        if (await this.probeQuietly()) {
          this.outage = false;
          this.consumer.resume(topics);
          this.options.log.info(
            { group: this.options.group, pausedMs: Date.now() - started },
            "sink takes writes again: consumption resumed",
          );
          return;
        }
      }
    })();
  }

  private async ensureOwnTopics(): Promise<void> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    let replicationFactor = 1;
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...this.options.topics] });
      replicationFactor = Math.max(1, metadata.topics[0]?.partitions[0]?.replicas.length ?? 1);
    } finally {
      await admin.disconnect();
    }
    const own = [
      this.dlqTopic,
      ...(this.options.redrive === false ? [] : [redriveTopic(this.options.group)]),
    ];
    await ensureTopics(
      this.options.kafka,
      own.map((topic) => ({
        topic,
        partitions: this.options.deadLetterPartitions ?? 1,
        replicationFactor,
        config: {
          "retention.ms": String(this.options.deadLetterRetentionMs ?? 30 * 24 * 3600 * 1000),
          "min.insync.replicas": String(Math.max(1, Math.min(2, replicationFactor - 1))),
        },
      })),
      this.options.log,
    );
  }
}
