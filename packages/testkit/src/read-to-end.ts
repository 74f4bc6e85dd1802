import type { Kafka } from "kafkajs";
import { uniqueName } from "./isolation.js";

/** One record as `readTopicToEnd` hands it over; a repeated header gives its first value. */
export interface TopicRecord {
  partition: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Reads every data record of `topic` up to the end offsets it has when called, with a fresh group,
 * and hands each to `onRecord` as it arrives (so a benchmark's millions need not be held). Read
 * committed by default — what a team reading a transactional topic sees; `readUncommitted` also
 * returns the records of aborted transactions. A partition counts as read once a batch reaches its
 * end offset (transaction markers included), so an empty topic returns at once. Rejects when the end
 * is not reached within `timeoutMs` (60 s).
 *
 * @example
 * const ids: string[] = [];
 * await readTopicToEnd(kafka, "parakey.door-events.v1", (record) => ids.push(record.headers.ce_id ?? ""));
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onRecord: (record: TopicRecord) => void,
  options: { readUncommitted?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return;
  const consumer = kafka.consumer({
    groupId: uniqueName("reader"),
    readUncommitted: options.readUncommitted ?? false,
    maxWaitTimeInMs: 250,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${topic} not read to its end`)),
        options.timeoutMs ?? 60_000,
      );
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = ends.get(payload.partition);
        if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) ends.delete(payload.partition);
        if (ends.size === 0) resolve();
      });
      void consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const headers: Record<string, string> = {};
              for (const [name, raw] of Object.entries(message.headers ?? {})) {
                const value = Array.isArray(raw) ? raw[0] : raw;
                if (value !== undefined) headers[name] = value.toString();
              }
              onRecord({
                partition: batch.partition,
                key: message.key?.toString() ?? null,
                value: message.value,
                headers,
              });
            }
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}
