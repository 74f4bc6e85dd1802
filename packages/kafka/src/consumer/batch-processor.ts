import type { Clock } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { EachBatchPayload } from "kafkajs";
import { backoffDelay, type RetryPolicy } from "./backoff.js";
import { BatchScope } from "./batch-scope.js";
import type { DeadLetterSender } from "./dead-letter-sender.js";
import { dispositionOf } from "./failure.js";
import type { Liveness } from "./liveness.js";
import type { ConsumerMetrics } from "./metrics.js";
import { endRecord, inboundRecord, openRecord, type PendingRecord } from "./pending-record.js";
import type { SinkOutage } from "./sink-outage.js";
import type { ConsumerSink, RecordDecoder, WriteOutcome } from "./types.js";

/** How far a sequence of records got: `done` of them finished; `stop` = leave the batch now. */
interface Progress {
  done: number;
  stop: boolean;
}

/** How far a chunk got, and whether its last finished record went to the dead-letter topic. */
interface ChunkProgress extends Progress {
  lastDeadLettered: boolean;
}

export interface BatchProcessorDeps<T> {
  group: string;
  sink: ConsumerSink<T>;
  decode: RecordDecoder<T>;
  receivedAt: ((value: T) => number | undefined) | undefined;
  /** Records per sink write at most. */
  maxBatchRecords: number;
  retry: RetryPolicy;
  clock: Clock;
  log: Logger;
  metrics: ConsumerMetrics;
  deadLetters: DeadLetterSender;
  outage: SinkOutage;
  liveness: Liveness;
  heartbeatIntervalMs: number;
  stopSignal: AbortSignal;
  /** Resolves once the partitions of the current assignment were sought to where they start. */
  assignmentReady: () => Promise<void>;
}

/**
 * Processes one fetched batch of a partition: in chunks of `maxBatchRecords`, good records are
 * written to the sink in runs and bad ones dead-lettered, in offset order; each chunk's offsets are
 * committed to Kafka only after the sink committed it (and, for a sink that keeps its own offsets,
 * after the offset past trailing dead letters was stored there).
 */
export class BatchProcessor<T> {
  constructor(private readonly deps: BatchProcessorDeps<T>) {}

  async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    const { liveness, stopSignal } = this.deps;
    liveness.touch();
    await this.deps.assignmentReady();
    const scope = new BatchScope(batch.topic, batch.partition, {
      heartbeat,
      canContinue: () => isRunning() && !isStale() && !stopSignal.aborted,
      liveness,
      heartbeatIntervalMs: this.deps.heartbeatIntervalMs,
      stopSignal,
      log: this.deps.log,
    });
    const size = this.deps.maxBatchRecords;
    for (let start = 0; start < batch.messages.length; start += size) {
      if (!scope.canContinue() || this.deps.outage.active) return;
      const chunk = batch.messages.slice(start, start + size);
      const progress = await this.processChunk(scope, chunk);
      const last = chunk[progress.done - 1];
      if (last) {
        const next = (BigInt(last.offset) + 1n).toString();
        if (progress.lastDeadLettered) await this.passStoredOffset(scope, next);
        resolveOffset(last.offset);
        await commitOffsetsIfNecessary({
          topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }],
        });
      }
      if (progress.stop) return;
      await heartbeat();
      liveness.touch();
    }
  }

  /** Decodes, then writes runs of good records and dead-letters bad ones, in offset order. */
  private async processChunk(
    scope: BatchScope,
    messages: EachBatchPayload["batch"]["messages"],
  ): Promise<ChunkProgress> {
    const { group, decode } = this.deps;
    const pending = messages.map((message) =>
      openRecord(scope.topic, scope.partition, message, group, decode),
    );
    let done = 0;
    const result = (stop: boolean): ChunkProgress => ({
      done,
      stop,
      lastDeadLettered: pending[done - 1]?.outcome === "dead_lettered",
    });
    try {
      while (done < pending.length) {
        const first = pending[done] as PendingRecord<T>;
        if (!first.decoded.ok) {
          const failure = { code: "contract_violation", message: first.decoded.reason, attempts: 1 };
          if (!(await this.deps.deadLetters.send(scope, first, failure))) return result(true);
          done += 1;
          continue;
        }
        let end = done;
        while (end < pending.length && pending[end]?.decoded.ok) end += 1;
        const progress = await this.writeWithRetry(scope, pending.slice(done, end));
        done += progress.done;
        if (progress.stop) return result(true);
      }
      return result(false);
    } finally {
      // Records left unfinished are fetched again later; their new delivery gets a new span.
      for (const item of pending) endRecord(item);
    }
  }

  /**
   * Writes records until the sink took them; a failure goes by `dispositionOf`. `pause` (or a
   * failure after which the sink's probe fails too) → pause the group and stop. `retry` → retry in
   * place with backoff; past the retry budget pause the group instead of dead-lettering healthy
   * records. `dead_letter` → isolate the failing record by writing one at a time, and dead-letter
   * it alone.
   */
  private async writeWithRetry(scope: BatchScope, items: PendingRecord<T>[]): Promise<Progress> {
    const { sink, outage, retry, log } = this.deps;
    const records = items.map((item) => inboundRecord(scope.topic, scope.partition, item));
    for (let attempt = 1; ; attempt++) {
      if (!scope.canContinue() || outage.active) return { done: 0, stop: true };
      let failure: unknown;
      let written = false;
      let outcomes: readonly WriteOutcome[] | undefined;
      try {
        outcomes = await scope.keepAlive(sink.write(records));
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
      if (disposition === "pause" || !(await outage.probe(scope))) {
        outage.start(failure, "the sink cannot take writes");
        return { done: 0, stop: true };
      }
      if (disposition === "dead_letter") {
        if (items.length > 1) return this.oneByOne(scope, items);
        const code = (failure as { code?: string }).code ?? "sink_rejected";
        const message = (failure as Error).message ?? String(failure);
        const item = items[0] as PendingRecord<T>;
        const ok = await this.deps.deadLetters.send(scope, item, { code, message, attempts: attempt });
        return { done: ok ? 1 : 0, stop: !ok };
      }
      if (attempt >= retry.maxAttempts) {
        outage.start(failure, `the sink write kept failing (${attempt} attempts)`);
        return { done: 0, stop: true };
      }
      this.deps.metrics.retries.inc({ group: this.deps.group });
      const delay = backoffDelay(attempt, retry);
      log.warn(
        {
          err: failure,
          topic: scope.topic,
          partition: scope.partition,
          offset: items[0]?.message.offset,
          records: items.length,
          attempt,
          delayMs: delay,
        },
        "sink write failed; retrying in place",
      );
      if (!(await scope.wait(delay))) return { done: 0, stop: true };
    }
  }

  private async oneByOne(scope: BatchScope, items: PendingRecord<T>[]): Promise<Progress> {
    let done = 0;
    for (const item of items) {
      const progress = await this.writeWithRetry(scope, [item]);
      done += progress.done;
      if (progress.stop) return { done, stop: true };
    }
    return { done, stop: false };
  }

  private succeeded(items: PendingRecord<T>[], outcomes: readonly WriteOutcome[] | undefined): void {
    const { group, metrics, receivedAt } = this.deps;
    const now = this.deps.clock.nowMs();
    const finished = performance.now();
    for (const [index, item] of items.entries()) {
      const outcome: WriteOutcome = outcomes?.[index] ?? "stored";
      metrics.processed.inc({ group, outcome });
      if (outcome === "duplicate") metrics.duplicates.inc({ group });
      metrics.processingSeconds.observe({ group }, (finished - item.startedAt) / 1000);
      const received = item.decoded.ok ? receivedAt?.(item.decoded.value) : undefined;
      if (received !== undefined && Number.isFinite(received) && outcome === "stored") {
        metrics.endToEndSeconds.observe({ group }, Math.max(0, now - received) / 1000);
      }
      endRecord(item, outcome);
    }
  }

  /**
   * Records in a sink that keeps its own offsets that the partition is done up to `next`, when the
   * last records done were dead-lettered (a sink write moves its stored offset itself). The
   * dead-letter topic already holds them, so this is retried in place (an unreachable store also
   * pauses the group) rather than leaving the records to be read, and dead-lettered, again. Only
   * when the runner stops or loses the partition meanwhile, or the store keeps refusing for another
   * reason, does it give up: then a restart dead-letters those records a second time.
   */
  private async passStoredOffset(scope: BatchScope, next: string): Promise<void> {
    const { sink, log, outage, retry } = this.deps;
    const { topic, partition } = scope;
    if (!sink.setStoredOffset) return;
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      try {
        await scope.keepAlive(sink.setStoredOffset(topic, partition, next));
        return;
      } catch (error) {
        failure = error;
      }
      const disposition = dispositionOf(failure);
      const unavailable = disposition === "pause" || !(await outage.probe(scope));
      if (unavailable) outage.start(failure, "the sink cannot store the offset past dead letters");
      else if (disposition === "dead_letter" || attempt >= retry.maxAttempts) {
        log.error(
          { err: failure, topic, partition, nextOffset: next },
          "could not store the offset past dead-lettered records; a restart dead-letters them again",
        );
        return;
      }
      if (!(await scope.wait(backoffDelay(attempt, retry)))) {
        log.warn(
          { topic, partition, nextOffset: next },
          "stopped before the offset past dead-lettered records was stored; a restart dead-letters them again",
        );
        return;
      }
    }
  }
}
