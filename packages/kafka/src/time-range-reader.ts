import { randomUUID } from "node:crypto";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Kafka } from "kafkajs";
import { readToEnds } from "./read-to-end.js";
import { headersToStrings } from "./tracing.js";

/** One record read by {@link readTopicSince}. */
export interface TimedRecord {
  topic: string;
  partition: number;
  offset: string;
  /** The record's timestamp (producer create time), ms since the epoch. */
  timestamp: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface ReadTopicSinceOptions {
  log: Logger;
  /** Called after each batch with the records read so far and the total to read (for progress). */
  onProgress?: (read: number, total: number) => void;
  /** Give up (retryable `UnavailableError`) when the end is not reached by then. Default 120 s. */
  timeoutMs?: number;
  /** Called for every record; return false to drop it (keeps memory bounded on big topics). */
  keep?: (record: TimedRecord) => boolean;
}

/**
 * Reads every record of `topic` whose offset is at or after the first record with a timestamp
 * `>= since` (per partition, `ListOffsets` by timestamp), up to the end offsets the topic had when
 * the call began. A range that starts yesterday reads yesterday and today, never the whole retention.
 *
 * kafkajs cannot assign partitions by hand, so a throwaway group is given the start offsets before
 * its consumer joins (an empty group accepts `setOffsets`), and it is deleted afterwards.
 *
 * @example
 * const records = await readTopicSince(kafka, "parakey.event-logs.v1", new Date("2026-11-23T00:00:00Z"), { log });
 */
export async function readTopicSince(
  kafka: Kafka,
  topic: string,
  since: Date,
  options: ReadTopicSinceOptions,
): Promise<TimedRecord[]> {
  const groupId = `range-reader-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  let total = 0n;
  try {
    const [starts, highs] = await Promise.all([
      admin.fetchTopicOffsetsByTimestamp(topic, since.getTime()),
      admin.fetchTopicOffsets(topic),
    ]);
    const startOf = new Map(starts.map((p) => [p.partition, BigInt(p.offset)]));
    const partitions: { partition: number; offset: string }[] = [];
    for (const p of highs) {
      const high = BigInt(p.high);
      // -1 (no record at or after `since`) means there is nothing to read in that partition.
      const start = startOf.get(p.partition) ?? high;
      const from = start < 0n ? high : start < BigInt(p.low) ? BigInt(p.low) : start;
      if (from >= high) continue;
      ends.set(p.partition, high);
      total += high - from;
      partitions.push({ partition: p.partition, offset: from.toString() });
    }
    if (partitions.length > 0) await admin.setOffsets({ groupId, topic, partitions });
  } catch (error) {
    await admin.disconnect();
    throw error;
  }
  const records: TimedRecord[] = [];
  if (ends.size === 0) {
    await admin.disconnect();
    return records;
  }
  let read = 0;
  try {
    await readToEnds(kafka, topic, ends, {
      consumer: { groupId },
      fromBeginning: false,
      timeoutMs: options.timeoutMs ?? 120_000,
      verb: "read",
      reader: "range reader",
      log: options.log,
      eachBatch: ({ batch }) => {
        const end = ends.get(batch.partition);
        for (const message of batch.messages) {
          if (end === undefined || BigInt(message.offset) >= end) continue;
          read += 1;
          const record: TimedRecord = {
            topic,
            partition: batch.partition,
            offset: message.offset,
            timestamp: Number(message.timestamp),
            key: message.key?.toString() ?? null,
            value: message.value,
            headers: headersToStrings(message.headers),
          };
          if (options.keep?.(record) ?? true) records.push(record);
        }
        options.onProgress?.(read, Number(total));
      },
    });
  } finally {
    await admin.deleteGroups([groupId]).catch((error: unknown) => {
      options.log.debug({ err: error }, "range reader group not deleted (the broker expires it)");
    });
    await admin.disconnect();
  }
  return records;
}
