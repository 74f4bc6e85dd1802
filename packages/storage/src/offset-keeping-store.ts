import type { Context } from "@opentelemetry/api";
import type { Db, Queryable } from "./db.js";
import { SinkOffsets } from "./sink-offsets.js";

/** What a batch write needs of each Kafka record: where it came from and its trace. */
export interface PartitionRecord {
  topic: string;
  partition: number;
  offset: string;
  traceContext: Context;
}

/** Whether a batch has a first record (the type `inOffsetTransaction` takes). */
export function isNonEmpty<T>(records: readonly T[]): records is readonly [T, ...T[]] {
  return records.length > 0;
}

/**
 * The shell of a sink store that keeps its Kafka offsets in its own database (see `SinkOffsets`):
 * the consumer runtime asks it where to resume (`storedOffsets`) and re-bases the mark
 * (`setStoredOffset`), and each batch of one partition is written in one transaction with the
 * offset past it. A subclass writes its domain's rows inside `inOffsetTransaction`.
 *
 * @example
 * class UsageStore extends OffsetKeepingStore {
 *   writeBatch(records) {
 *     return this.inOffsetTransaction(records, async (tx, next) => meter(tx, records, next));
 *   }
 * }
 */
export abstract class OffsetKeepingStore {
  private readonly offsets: SinkOffsets;

  constructor(
    protected readonly db: Db,
    group: string,
  ) {
    this.offsets = new SinkOffsets(group);
  }

  /** The next offsets this store holds for `topic`, to resume from after a restart. */
  storedOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    return this.offsets.read(this.db, topic);
  }

  /** Puts the stored offset of `topic`/`partition` (past dead-lettered records, or re-based). */
  setStoredOffset(topic: string, partition: number, nextOffset: string): Promise<void> {
    return this.offsets.set(this.db, topic, partition, BigInt(nextOffset));
  }

  /**
   * Runs `write` for consecutive records of one partition (at least one) in one transaction that
   * first locks the partition's stored offset — serializing two consumers of it during a rebalance —
   * and last stores the offset past the batch, so a crash keeps all of it or none. `write` gets the
   * offset stored before (null: none yet), which only labels redeliveries. Every statement is traced
   * under the records' traces.
   */
  protected inOffsetTransaction<T>(
    records: readonly [PartitionRecord, ...PartitionRecord[]],
    write: (tx: Queryable, storedBefore: bigint | null) => Promise<T>,
  ): Promise<T> {
    const first = records[0];
    const last = records[records.length - 1] ?? first;
    return this.db.transaction(
      async (tx) => {
        const storedBefore = await this.offsets.lock(tx, first.topic, first.partition);
        const written = await write(tx, storedBefore);
        await this.offsets.set(tx, first.topic, first.partition, BigInt(last.offset) + 1n);
        return written;
      },
      { traceParents: records.map((record) => record.traceContext) },
    );
  }
}
