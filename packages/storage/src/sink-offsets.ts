import type { Queryable } from "./db.js";

/**
 * The table behind `SinkOffsets`; include it in the service's migrations.
 *
 * @example
 * const migrations = [{ version: 1, name: "consumer offsets", sql: sinkOffsetsTableSql }, …];
 */
export const sinkOffsetsTableSql = `
CREATE TABLE IF NOT EXISTS consumer_offsets (
  group_id text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  next_offset bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition)
);`;

/**
 * Kafka offsets a sink stores in its own database, in the same transaction as the records they
 * cover: the consumer resumes there after a restart. They only say where to read on and label
 * redeliveries: whether a record is new is decided by the sink's claim of its event id, never by
 * its offset — after a topic is recreated, or the service is pointed at another cluster, new
 * records arrive below the stored offset. `lock` at the start of a batch serializes two consumers
 * of the same partition (the window of a rebalance) and returns the mark; `set` puts it where the
 * batch ended (also past dead-lettered records, and re-based at assignment, which the runner does
 * through `ConsumerSink.setStoredOffset`); `advance` only ever moves it forward.
 *
 * @example
 * await db.transaction(async (tx) => {
 *   const next = await offsets.lock(tx, topic, partition); // null: nothing stored yet
 *   // … store the records whose offset >= next …
 *   await offsets.advance(tx, topic, partition, lastOffset + 1n);
 * });
 */
export class SinkOffsets {
  constructor(readonly group: string) {}

  /** Locks the partition's row until the transaction ends; the next offset not yet stored, or null. */
  async lock(tx: Queryable, topic: string, partition: number): Promise<bigint | null> {
    const { rows } = await tx.query<{ next_offset: string }>(
      `INSERT INTO consumer_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, -1)
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = consumer_offsets.next_offset
       RETURNING next_offset::text AS next_offset`,
      [this.group, topic, partition],
    );
    const next = BigInt(rows[0]?.next_offset ?? "-1");
    return next < 0n ? null : next;
  }

  /**
   * Puts the partition's mark at `nextOffset`, forward or back: where the consumer stands now (the
   * records it processed, dead-lettered, or a re-based offset). Taking the maximum instead would
   * keep a mark of a deleted topic above the new topic's records, and a restart would skip them.
   */
  async set(db: Queryable, topic: string, partition: number, nextOffset: bigint): Promise<void> {
    await db.query(
      `INSERT INTO consumer_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4::bigint)
       ON CONFLICT (group_id, topic, partition) DO UPDATE
         SET next_offset = EXCLUDED.next_offset, updated_at = now()`,
      [this.group, topic, partition, nextOffset.toString()],
    );
  }

  /**
   * Moves the partition's mark forward (never back) to `nextOffset`: in the transaction that stored
   * the records, or on its own (`db`) for records that never reached the store because they were
   * dead-lettered — so a restart does not read and dead-letter them again.
   */
  async advance(db: Queryable, topic: string, partition: number, nextOffset: bigint): Promise<void> {
    await db.query(
      `INSERT INTO consumer_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4::bigint)
       ON CONFLICT (group_id, topic, partition) DO UPDATE
         SET next_offset = GREATEST(consumer_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()`,
      [this.group, topic, partition, nextOffset.toString()],
    );
  }

  /** The stored next offsets of a topic's partitions (partitions never stored are absent). */
  async read(db: Queryable, topic: string): Promise<Map<number, string>> {
    const { rows } = await db.query<{ partition: number; next_offset: string }>(
      `SELECT partition, next_offset::text AS next_offset FROM consumer_offsets
       WHERE group_id = $1 AND topic = $2 AND next_offset >= 0`,
      [this.group, topic],
    );
    return new Map(rows.map((row) => [Number(row.partition), row.next_offset]));
  }

  /**
   * Sets the stored offsets (an operator's replay of a sink that resumes from its own offsets):
   * records from these offsets on are processed again as if new.
   */
  async reset(db: Queryable, topic: string, offsets: ReadonlyMap<number, string>): Promise<void> {
    for (const [partition, offset] of offsets) {
      await db.query(
        `INSERT INTO consumer_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
         ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()`,
        [this.group, topic, partition, offset],
      );
    }
  }

  /**
   * The sink's half of an operator's replay (`replayGroup` moved the Kafka group): moves each
   * stored offset back to the replay's, never forward — a stored offset before the replay's start
   * marks records the sink has not stored yet, and skipping them would lose them. Partitions with
   * nothing stored are left alone (the runner starts them from the group's offset, which the replay
   * set). Run it in a transaction; resolves with the partitions it moved (`from` = before).
   *
   * @example
   * const rewound = await db.transaction((tx) => offsets.rewind(tx, moves)); // moves from replayGroup
   */
  async rewind(
    tx: Queryable,
    moves: readonly { topic: string; partition: number; to: string }[],
  ): Promise<{ topic: string; partition: number; from: string; to: string }[]> {
    const rewound: { topic: string; partition: number; from: string; to: string }[] = [];
    for (const { topic, partition, to } of moves) {
      const { rows } = await tx.query<{ from: string }>(
        `WITH stored AS (
           SELECT next_offset FROM consumer_offsets
           WHERE group_id = $1 AND topic = $2 AND partition = $3 FOR UPDATE)
         UPDATE consumer_offsets SET next_offset = $4::bigint, updated_at = now()
         FROM stored
         WHERE group_id = $1 AND topic = $2 AND partition = $3 AND stored.next_offset > $4::bigint
         RETURNING stored.next_offset::text AS "from"`,
        [this.group, topic, partition, to],
      );
      const from = rows[0]?.from;
      if (from !== undefined) rewound.push({ topic, partition, from, to });
    }
    return rewound;
  }
}
