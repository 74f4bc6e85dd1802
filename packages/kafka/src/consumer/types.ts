import type { Context } from "@opentelemetry/api";
import type { Decoded } from "@parakey-bridge/contracts";
import type { RecordOutcome } from "./metrics.js";

/** One decoded Kafka record handed to a sink. */
export interface InboundRecord<T> {
  topic: string;
  partition: number;
  /** Kafka offset (a decimal string: offsets exceed 2^53 in principle). */
  offset: string;
  key: string | null;
  value: T;
  headers: Readonly<Record<string, string>>;
  /** The record's Kafka timestamp (ms since the epoch, as a string). */
  timestamp: string;
  /**
   * The context of this record's CONSUMER span (which continues the producer's trace): pass it as a
   * trace parent of the database work done for the record.
   */
  traceContext: Context;
  /** The trace id of that span — the producer's trace when the record carried `traceparent`. */
  traceId: string;
}

/** What the sink did with each record of a write, in the order given. */
export type WriteOutcome = Exclude<RecordOutcome, "dead_lettered">;

/**
 * Where a consumer group puts what it reads. The runner calls `write` with consecutive records of
 * one partition, in offset order, and commits their offsets to Kafka only after `write` resolved.
 * Because delivery is at-least-once (and crashes happen between the sink's commit and Kafka's),
 * `write` must be idempotent: the same records again must not change the store.
 *
 * Errors decide what happens next (`dispositionOf`): an `UnavailableError` (the store cannot take
 * writes: unreachable, read-only, full, a revoked grant, a missing table) pauses the group until
 * `probe()` succeeds again; another retryable `BridgeError` is retried in place with backoff
 * (holding the partition, so a device's later events never overtake) and pauses the group when it
 * persists; a non-retryable one — a failure tied to the record's data — sends the failing record
 * to the dead-letter topic. Anything not a `BridgeError` counts as retryable.
 */
export interface ConsumerSink<T> {
  readonly name: string;
  /**
   * Stores the records atomically (all or nothing). Resolves with an outcome per record, or
   * undefined when every record was stored.
   */
  write(records: readonly InboundRecord<T>[]): Promise<readonly WriteOutcome[] | undefined>;
  /**
   * Whether the store takes this sink's writes now: a representative write, rolled back (a
   * `SELECT 1` keeps answering on a read-only or full database). Polled while the group is paused,
   * after a failed write, and by readiness; it must be bounded in time (e.g. a lock timeout).
   */
  probe(): Promise<boolean>;
  /**
   * For a sink that stores offsets in its own transactions: the next offset to read per partition
   * of `topic`. The runner seeks there when partitions are assigned, before it hands any record of
   * them to `write`; partitions absent from the map start from Kafka's committed offset. The
   * offsets only say where to read on: `write` must decide what is new by the records' event ids
   * (after a topic is recreated, new records arrive below the stored offset).
   */
  storedOffsets?(topic: string): Promise<ReadonlyMap<number, string>>;
  /**
   * Required with `storedOffsets`: sets the stored next offset of a partition to `nextOffset`
   * (forward or back). The runner calls it when the last records it finished were dead-lettered, so
   * `write` never saw them, once the dead-letter topic acknowledged them — without it the stored
   * offset stays before them, and the next assignment seeks back and dead-letters them again — and
   * at assignment, to re-base a stored offset outside the partition to the partition's start.
   */
  setStoredOffset?(topic: string, partition: number, nextOffset: string): Promise<void>;
}

/** Turns a record's bytes into the sink's type; a failure is a value and dead-letters the record. */
export type RecordDecoder<T> = (
  value: Buffer | null,
  headers: Readonly<Record<string, string>>,
) => Decoded<T>;
