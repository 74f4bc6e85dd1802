import { setTimeout as sleep } from "node:timers/promises";
import { type Clock, type Component, type HealthCheck, systemClock } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Consumer, Kafka } from "kafkajs";
import type { Registry } from "prom-client";
import { seekOnAssignment } from "./assignment.js";
import { defaultRetryPolicy, type RetryPolicy } from "./backoff.js";
import { BatchProcessor } from "./batch-processor.js";
import { DeadLetterSender } from "./dead-letter-sender.js";
import { ConsumerLag } from "./lag.js";
import { Liveness } from "./liveness.js";
import { type ConsumerMetrics, consumerMetrics } from "./metrics.js";
import { SinkOutage } from "./sink-outage.js";
import { redriveTopic } from "./topics.js";
import type { ConsumerSink, RecordDecoder } from "./types.js";

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
  /**
   * Called once when the consumer cannot go on (a crash on an error kafkajs deems unrecoverable: a
   * bug that escaped the loop, a refused authorization): the composition root ends the process with
   * a non-zero code and Kubernetes restarts it. A broker outage never ends up here, however long.
   */
  onFatal: (error: Error) => void;
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
 *   kafka, group: "audit", topics: [Topics.eventLogs], decode: decodeDoorEvent, sink: auditStore,
 *   log, registry, receivedAt: (e) => Date.parse(e.receivedAt), onFatal: (err) => exit(1),
 * });
 * lifecycle.add(runner); checks.push(runner.check);
 *
 * Its parts, one owner each: `BatchProcessor` (a fetched batch: chunks, sink writes, retries),
 * `DeadLetterSender` (the group's dead-letter topic), `SinkOutage` (pause and probe),
 * `Liveness` (signs of life), `seekOnAssignment` (where assigned partitions start). The runner
 * owns the kafkajs consumer: joining, crashes, reconnecting, stopping.
 */
export class ConsumerRunner<T> implements Component {
  readonly name: string;
  /** Liveness: the loop heartbeats; readiness: a group member and the sink answers. */
  readonly check: HealthCheck;

  /** The kafkajs consumer of now: rebuilt after a crash on a retriable error (see `reconnect`). */
  private consumer: Consumer;
  private readonly deadLetters: DeadLetterSender;
  private readonly outage: SinkOutage;
  private readonly liveness: Liveness;
  private readonly batches: BatchProcessor<T>;
  private readonly lag: ConsumerLag;
  private readonly metrics: ConsumerMetrics;
  private readonly topics: string[];
  private readonly heartbeatIntervalMs: number;
  private readonly stopSignal = new AbortController();
  private joined = false;
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
    const { group, log, registry } = options;
    const clock: Clock = options.clock ?? systemClock;
    const retry: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
    this.name = `consumer-${group}`;
    this.topics = [...options.topics, ...(options.redrive === false ? [] : [redriveTopic(group)])];
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
    this.metrics = consumerMetrics(registry, group);
    this.liveness = new Liveness(options.livenessTimeoutMs ?? 60_000);
    this.consumer = this.newConsumer();
    this.deadLetters = new DeadLetterSender({
      kafka: options.kafka,
      group,
      log,
      registry,
      clock,
      retry,
      metrics: this.metrics,
    });
    const pausing = () => this.topics.map((topic) => ({ topic }));
    this.outage = new SinkOutage({
      sink: options.sink,
      group,
      log,
      liveness: this.liveness,
      stopSignal: this.stopSignal.signal,
      probeIntervalMs: options.probeIntervalMs ?? 500,
      pause: () => this.consumer.pause(pausing()),
      resume: () => this.consumer.resume(pausing()),
    });
    this.batches = new BatchProcessor<T>({
      group,
      sink: options.sink,
      decode: options.decode,
      receivedAt: options.receivedAt,
      maxBatchRecords: options.maxBatchRecords ?? 500,
      retry,
      clock,
      log,
      metrics: this.metrics,
      deadLetters: this.deadLetters,
      outage: this.outage,
      liveness: this.liveness,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      stopSignal: this.stopSignal.signal,
      assignmentReady: () => this.assignmentReady,
    });
    this.lag = new ConsumerLag(options.kafka, group, () => this.topics, registry, log);
    this.check = {
      name: this.name,
      live: () => {
        if (this.failed !== undefined) return false;
        // Rebuilding the consumer through a broker outage is the loop doing its job (each attempt is
        // bounded in time): a restarted pod would only wait for the same brokers.
        if (this.reconnecting) return true;
        return this.liveness.live();
      },
      ready: async () =>
        this.joined &&
        !this.reconnecting &&
        !this.outage.active &&
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
      eachBatch: (payload) => this.batches.eachBatch(payload),
    });
    if (this.outage.active) consumer.pause(this.topics.map((topic) => ({ topic })));
  }

  /** The topics this group reads: the configured ones and its redrive topic. */
  get subscribedTopics(): readonly string[] {
    return this.topics;
  }

  async start(): Promise<void> {
    await this.deadLetters.start(this.options.topics, this.options.redrive !== false);
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
    await this.deadLetters.stop();
    await this.lag.close();
  }

  private watchConsumer(consumer: Consumer): void {
    const { events } = consumer;
    const log = this.options.log;
    // Events of a consumer the runner has replaced say nothing about the one running now.
    const current = () => consumer === this.consumer;
    consumer.on(events.FETCH_START, () => {
      if (current()) this.liveness.touch();
    });
    consumer.on(events.HEARTBEAT, () => {
      if (current()) this.liveness.touch();
    });
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      if (!current()) return;
      this.joined = true;
      this.liveness.touch();
      log.info({ group: payload.groupId, assignment: payload.memberAssignment }, "joined consumer group");
      this.assignmentReady = seekOnAssignment(
        {
          kafka: this.options.kafka,
          group: this.options.group,
          sink: this.options.sink,
          log,
          metrics: this.metrics,
          stopSignal: this.stopSignal.signal,
          seek: (position) => this.consumer.seek(position),
        },
        payload.memberAssignment,
      );
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
        this.liveness.touch();
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
}
