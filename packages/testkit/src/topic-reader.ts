import { randomUUID } from "node:crypto";
import type { Kafka, KafkaMessage } from "kafkajs";

export interface ReadToEndOptions {
  /** The throwaway group the reader joins; a fresh one unless told. It commits nothing. */
  groupId?: string;
  /** Fail when the end is not reached by then. Default 180 s. */
  timeoutMs?: number;
  /** Also hand over the records of aborted transactions (what a read_uncommitted reader sees). */
  readUncommitted?: boolean;
  /** kafkajs fetch sizes, for topics of a million records. */
  maxBytes?: number;
  maxBytesPerPartition?: number;
}

/**
 * Reads `topic` from its start to the end offsets it has when called (read_committed unless told:
 * records of aborted transactions are not seen), handing every record to `onRecord`. For programs that check
 * what a run left on a topic (benchmarks, the chaos suite). A record may be handed over twice when
 * the reader's group rebalances: count by partition and offset where that matters.
 *
 * @example
 * const ids = new Set<string>();
 * await readToEnd(kafka, "parakey.event-logs.v1", (m) => ids.add(m.headers?.ce_id?.toString() ?? ""));
 */
export async function readToEnd(
  kafka: Kafka,
  topic: string,
  onRecord: (message: KafkaMessage, partition: number) => void,
  options: ReadToEndOptions = {},
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
    groupId: options.groupId ?? `read-to-end-${randomUUID()}`,
    readUncommitted: options.readUncommitted ?? false,
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    ...(options.maxBytesPerPartition === undefined
      ? {}
      : { maxBytesPerPartition: options.maxBytesPerPartition }),
  });
  const timeoutMs = options.timeoutMs ?? 180_000;
  let timer: NodeJS.Timeout | undefined;
  let records = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`read ${records} records of ${topic}, not its end, in ${timeoutMs} ms`)),
        timeoutMs,
      );
      // Emitted for every fetched batch, including one that held only transaction markers (kafkajs
      // skips eachBatch for those): the only reliable "reached the end" on a transactional topic.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = ends.get(payload.partition);
        if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) ends.delete(payload.partition);
        if (ends.size === 0) resolve();
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              records += 1;
              onRecord(message, batch.partition);
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
