import type { Component, HealthCheck } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import {
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  type Message,
  Partitioners,
  type Producer,
  type TopicMessages,
} from "kafkajs";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { OutgoingRecord } from "./producer.js";
import { restorePartitions } from "./state-restore.js";
import { headersToStrings } from "./tracing.js";

/** One input record as a stream processor sees it. */
export interface StreamRecord {
  partition: number;
  offset: string;
  /** Record timestamp, ms since the epoch as a string (as Kafka gives it). */
  timestamp: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** One entry of a partition's state, written to the state topic's partition of the same number. */
export interface StateEntry {
  key: string;
  value: Buffer;
}

/** What one chunk of input turns into, all written in one Kafka transaction with its offsets. */
export interface ProcessedChunk {
  output: OutgoingRecord[];
  state: StateEntry[];
  /**
   * Called once the transaction committed: only now may the processor apply the chunk to its
   * in-memory state. When the transaction fails the processor is thrown away and rebuilt from the
   * state topic, so a chunk that was never called `committed` leaves no trace.
   */
  committed(): void;
}

/**
 * The state and logic of one input partition. Created when the partition is assigned, fed the
 * partition's state topic records (`restore`) before any input, then chunks of input in order.
 */
export interface PartitionProcessor {
  restore(key: string, value: Buffer | null): void;
  process(records: readonly StreamRecord[]): ProcessedChunk;
}

export interface TransactionalStreamOptions {
  kafka: Kafka;
  /** The consumer group; its offsets are committed inside the transactions. */
  group: string;
  inputTopic: string;
  /**
   * The compacted state (changelog) topic: as many partitions as the input topic; partition p holds
   * the state of input partition p. It must never be shared by two streams.
   */
  stateTopic: string;
  /**
   * The transactional id of input partition p is `<prefix>-<inputTopic>-<p>`: stable across
   * restarts and rebalances, so whichever replica takes a partition over fences the one before.
   */
  transactionalIdPrefix: string;
  createProcessor: (partition: number) => PartitionProcessor;
  log: Logger;
  registry: Registry;
  /** Records per transaction at most (a fetched batch is processed in chunks of this size). */
  maxChunkRecords?: number;
  /**
   * Input bytes (keys, values, headers) per transaction at most, default 768 KiB. Output keyed like
   * the input lands on one partition, and a produce batch above the broker's message.max.bytes
   * (1 MiB by default) is refused, so a chunk is cut by size as well as by count.
   */
  maxChunkBytes?: number;
  partitionsConsumedConcurrently?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** The broker aborts a transaction left open this long (a writer that died mid-transaction). */
  transactionTimeoutMs?: number;
  /** Where a group without committed offsets starts (default: the beginning of the input). */
  fromBeginning?: boolean;
  /** kafkajs gave up on the consumer for good: the composition root ends the process. */
  onFatal: (error: Error) => void;
}

interface PartitionTask {
  readonly partition: number;
  readonly producer: Producer;
  readonly processor: PartitionProcessor;
}

interface StreamMetrics {
  transactions: Counter<"result">;
  records: Counter;
  restoredRecords: Counter;
  restoreSeconds: Histogram;
  transactionSeconds: Histogram;
  partitions: Gauge;
}

function streamMetrics(registry: Registry): StreamMetrics {
  const registers = [registry];
  return {
    transactions: new Counter({
      name: "bridge_stream_transactions_total",
      help: "Transactions of the exactly-once stream by result (committed, aborted)",
      labelNames: ["result"],
      registers,
    }),
    records: new Counter({
      name: "bridge_stream_input_records_total",
      help: "Input records whose transaction committed",
      registers,
    }),
    restoredRecords: new Counter({
      name: "bridge_stream_state_restored_records_total",
      help: "State topic records read back when partitions were assigned",
      registers,
    }),
    restoreSeconds: new Histogram({
      name: "bridge_stream_state_restore_duration_seconds",
      help: "Time to fence older writers and restore the state of newly assigned partitions",
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    }),
    transactionSeconds: new Histogram({
      name: "bridge_stream_transaction_duration_seconds",
      help: "Time from beginning a transaction to its commit",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    }),
    partitions: new Gauge({
      name: "bridge_stream_assigned_partitions",
      help: "Input partitions this replica owns, state restored",
      registers,
    }),
  };
}

/**
 * Kafka Streams' exactly-once read-process-write, on kafkajs: each chunk of an input partition is
 * turned into output records and state entries by a `PartitionProcessor`, and those, the state
 * entries (to the state topic) and the group's input offsets are written in **one transaction**.
 * Readers with isolation read_committed see a chunk's output entirely or not at all, and the state
 * topic always says exactly which input was turned into committed output.
 *
 * Why it holds when a replica is killed mid-transaction or a rebalance races a commit: there is one
 * transactional producer per input partition, with a stable id (`<prefix>-<topic>-<partition>`).
 * Taking a partition over initialises that producer first, which fences the previous owner (its
 * next send or commit fails) and completes or aborts its open transaction; only then is the
 * partition's state read back from the state topic, up to its now-final end. The processor's own
 * state (for a dedupe: the ids already written) therefore always matches the committed output,
 * even when the committed input offset the group resumes from is older (kafkajs lacks KIP-447's
 * stable offset fetch): re-read input is recognised by that state. Any failure inside a
 * transaction aborts it, drops the partition's producer and state, and rethrows, so kafkajs
 * re-reads from the committed offset with a freshly fenced and restored partition.
 *
 * @example
 * const stream = new TransactionalStream({
 *   kafka, group: "parakey-bridge-streams", inputTopic: Topics.eventLogs,
 *   stateTopic: Topics.doorEventsSeen, transactionalIdPrefix: "parakey-bridge-streams",
 *   createProcessor: (partition) => new DedupeProcessor(partition, …), log, registry, onFatal,
 * });
 * lifecycle.add(stream);
 */
export class TransactionalStream implements Component {
  readonly name = "transactional-stream";
  readonly check: HealthCheck;
  private readonly consumer: Consumer;
  private readonly metrics: StreamMetrics;
  private readonly tasks = new Map<number, PartitionTask>();
  private assigned = new Set<number>();
  private preparing: Promise<void> | undefined;
  private joined = false;
  private failed: Error | undefined;
  private readonly maxChunk: number;
  private readonly maxChunkBytes: number;
  private readonly heartbeatIntervalMs: number;

  constructor(private readonly options: TransactionalStreamOptions) {
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.min(3_000, Math.floor(sessionTimeout / 3));
    this.maxChunk = options.maxChunkRecords ?? 2_000;
    this.maxChunkBytes = options.maxChunkBytes ?? 768 * 1024;
    this.metrics = streamMetrics(options.registry);
    this.check = {
      name: this.name,
      live: () => this.failed === undefined,
      ready: () => this.failed === undefined && this.joined,
    };
    this.consumer = options.kafka.consumer({
      groupId: options.group,
      sessionTimeout,
      rebalanceTimeout: Math.max(sessionTimeout, 60_000),
      heartbeatInterval: this.heartbeatIntervalMs,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 4 * 1024 * 1024,
    });
    this.watch();
  }

  /** The transactional id that owns input partition `partition`. */
  transactionalId(partition: number): string {
    return `${this.options.transactionalIdPrefix}-${this.options.inputTopic}-${partition}`;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topic: this.options.inputTopic,
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /** Finishes the chunk in flight, leaves the group, then closes the partitions' producers. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await Promise.all([...this.tasks.keys()].map((partition) => this.drop(partition)));
  }

  private watch(): void {
    const { events } = this.consumer;
    const log = this.options.log;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      this.assigned = new Set(payload.memberAssignment[this.options.inputTopic] ?? []);
      for (const partition of [...this.tasks.keys()]) {
        if (!this.assigned.has(partition)) void this.drop(partition);
      }
      log.info({ group: this.options.group, partitions: [...this.assigned] }, "stream partitions assigned");
    });
    this.consumer.on(events.CRASH, ({ payload }) => {
      const error = payload.error instanceof Error ? payload.error : new Error(String(payload.error));
      if (payload.restart) {
        log.warn({ err: error, group: this.options.group }, "stream consumer crashed; kafkajs restarts it");
        return;
      }
      this.failed = error;
      log.error({ err: error, group: this.options.group }, "stream consumer crashed for good");
      this.options.onFatal(error);
    });
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const task = await this.taskFor(batch.partition, heartbeat);
    let start = 0;
    while (start < batch.messages.length) {
      if (!isRunning() || isStale()) return;
      const chunk: StreamRecord[] = [];
      let bytes = 0;
      for (let i = start; i < batch.messages.length && chunk.length < this.maxChunk; i++) {
        const message = batch.messages[i] as KafkaMessage;
        const record: StreamRecord = {
          partition: batch.partition,
          offset: message.offset,
          timestamp: message.timestamp,
          key: message.key?.toString() ?? null,
          value: message.value,
          headers: headersToStrings(message.headers),
        };
        const size = recordBytes(record);
        if (chunk.length > 0 && bytes + size > this.maxChunkBytes) break;
        chunk.push(record);
        bytes += size;
      }
      const last = chunk[chunk.length - 1];
      if (!last) return;
      await this.commitChunk(task, chunk, last.offset);
      resolveOffset(last.offset);
      start += chunk.length;
      await heartbeat();
    }
  }

  private async commitChunk(task: PartitionTask, records: StreamRecord[], lastOffset: string): Promise<void> {
    const { partition, producer, processor } = task;
    const processed = processor.process(records);
    const startedAt = performance.now();
    const transaction = await producer.transaction();
    try {
      const topicMessages = toTopicMessages(processed.output);
      if (processed.state.length > 0) {
        topicMessages.push({
          topic: this.options.stateTopic,
          messages: processed.state.map((entry) => ({ key: entry.key, value: entry.value, partition })),
        });
      }
      if (topicMessages.length > 0) await transaction.sendBatch({ topicMessages });
      await transaction.sendOffsets({
        consumerGroupId: this.options.group,
        topics: [
          {
            topic: this.options.inputTopic,
            partitions: [{ partition, offset: (BigInt(lastOffset) + 1n).toString() }],
          },
        ],
      });
      await transaction.commit();
    } catch (error) {
      this.metrics.transactions.inc({ result: "aborted" });
      this.options.log.warn(
        { err: error, partition, transactionalId: this.transactionalId(partition) },
        "stream transaction failed; the partition is fenced and restored before it is read again",
      );
      // After a failed commit the outcome is unknown: only the state topic can say, so the partition's
      // producer and state are dropped and rebuilt (fence, restore) before the next attempt.
      if (transaction.isActive()) {
        await transaction.abort().catch((abortError: unknown) => {
          this.options.log.debug({ err: abortError, partition }, "abort after a failed transaction failed");
        });
      }
      await this.drop(partition);
      throw error;
    }
    processed.committed();
    this.metrics.transactions.inc({ result: "committed" });
    this.metrics.transactionSeconds.observe((performance.now() - startedAt) / 1000);
    this.metrics.records.inc(records.length);
  }

  /**
   * The task of an assigned partition, creating it (and those of every other assigned partition
   * without one, in one pass over the state topic) when missing.
   */
  private async taskFor(partition: number, heartbeat: () => Promise<void>): Promise<PartitionTask> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const task = this.tasks.get(partition);
      if (task) return task;
      if (!this.preparing) {
        const missing = new Set([...this.assigned, partition].filter((p) => !this.tasks.has(p)));
        this.preparing = this.prepare([...missing], heartbeat).finally(() => {
          this.preparing = undefined;
        });
      }
      await this.preparing;
    }
    const task = this.tasks.get(partition);
    if (!task) throw new Error(`partition ${partition} of ${this.options.inputTopic} could not be prepared`);
    return task;
  }

  private async prepare(partitions: number[], heartbeat: () => Promise<void>): Promise<void> {
    const startedAt = performance.now();
    const fresh = new Map<number, PartitionTask>();
    try {
      await Promise.all(
        partitions.map(async (partition) => {
          const producer = this.options.kafka.producer({
            transactionalId: this.transactionalId(partition),
            idempotent: true,
            maxInFlightRequests: 1,
            transactionTimeout: this.options.transactionTimeoutMs ?? 60_000,
            createPartitioner: Partitioners.DefaultPartitioner,
            // The first request of a transaction often meets CONCURRENT_TRANSACTIONS while the broker
            // still writes the previous commit's markers: retry it after milliseconds, not 100 ms.
            retry: { initialRetryTime: 10, maxRetryTime: 1_000, retries: 10 },
          });
          fresh.set(partition, {
            partition,
            producer,
            processor: this.options.createProcessor(partition),
          });
          // InitProducerId: fences the previous owner and completes or aborts its open transaction.
          await producer.connect();
        }),
      );
      const summary = await restorePartitions(
        this.options.kafka,
        this.options.stateTopic,
        partitions,
        (partition, key, value) => fresh.get(partition)?.processor.restore(key, value),
        {
          log: this.options.log,
          groupPrefix: this.options.group,
          keepAlive: heartbeat,
          keepAliveIntervalMs: this.heartbeatIntervalMs,
        },
      );
      this.metrics.restoredRecords.inc(summary.records);
      this.options.log.info(
        { partitions, stateRecords: summary.records, stateBytes: summary.bytes },
        "stream partitions fenced and restored",
      );
    } catch (error) {
      await Promise.all([...fresh.values()].map((task) => disconnectQuietly(task, this.options.log)));
      throw error;
    }
    for (const [partition, task] of fresh) this.tasks.set(partition, task);
    this.metrics.partitions.set(this.tasks.size);
    this.metrics.restoreSeconds.observe((performance.now() - startedAt) / 1000);
  }

  private async drop(partition: number): Promise<void> {
    const task = this.tasks.get(partition);
    if (!task) return;
    this.tasks.delete(partition);
    this.metrics.partitions.set(this.tasks.size);
    await disconnectQuietly(task, this.options.log);
  }
}

async function disconnectQuietly(task: PartitionTask, log: Logger): Promise<void> {
  await task.producer.disconnect().catch((error: unknown) => {
    log.debug({ err: error, partition: task.partition }, "stream producer disconnect failed");
  });
}

function recordBytes(record: StreamRecord): number {
  let bytes = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [name, value] of Object.entries(record.headers)) bytes += name.length + value.length;
  return bytes;
}

function toTopicMessages(records: readonly OutgoingRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    let messages = byTopic.get(record.topic);
    if (!messages) {
      messages = [];
      byTopic.set(record.topic, messages);
    }
    messages.push({
      key: record.key,
      value: record.value,
      ...(record.headers ? { headers: record.headers } : {}),
    });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
