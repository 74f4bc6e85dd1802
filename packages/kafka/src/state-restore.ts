import { randomUUID } from "node:crypto";
import { UnavailableError } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Kafka } from "kafkajs";

export interface RestoreOptions {
  log: Logger;
  /** Names the throwaway group the restore reads with (`<prefix>.restore-<uuid>`). */
  groupPrefix: string;
  /** Called while the restore runs, so the caller's own group membership stays alive. */
  keepAlive?: () => Promise<void>;
  keepAliveIntervalMs?: number;
  /** Give up (retryable `UnavailableError`) when the end is not reached by then. Default 10 min. */
  timeoutMs?: number;
}

/** What a restore read. */
export interface RestoreSummary {
  records: number;
  bytes: number;
}

/**
 * Reads `partitions` of a state (changelog) topic from their start to the committed end they had
 * when the call began (isolation read_committed: records of aborted transactions are never seen),
 * calling `onRecord` in offset order per partition. Keyless records are skipped.
 *
 * Call it only after the transactional producer that writes those partitions has been initialised:
 * initialising fences an older writer and ends its open transaction, so the end read here is final
 * and nothing committed later can be missed.
 *
 * kafkajs cannot assign partitions by hand, so this joins a throwaway consumer group that commits
 * nothing (the broker drops it once empty) and pauses the partitions it was not asked for.
 *
 * @example
 * await restorePartitions(kafka, "parakey-bridge.door-events.seen", [0, 2], (p, key) => seen[p].add(key), {
 *   log, groupPrefix: "parakey-bridge-streams",
 * });
 */
export async function restorePartitions(
  kafka: Kafka,
  topic: string,
  partitions: readonly number[],
  onRecord: (partition: number, key: string, value: Buffer | null) => void,
  options: RestoreOptions,
): Promise<RestoreSummary> {
  const summary: RestoreSummary = { records: 0, bytes: 0 };
  const wanted = new Set(partitions);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    // kafkajs's admin lists offsets with isolation read_committed: `high` is the last stable offset.
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (wanted.has(p.partition) && BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return summary;

  const consumer = kafka.consumer({
    groupId: `${options.groupPrefix}.restore-${randomUUID()}`,
    allowAutoTopicCreation: false,
    readUncommitted: false,
    maxWaitTimeInMs: 250,
    maxBytesPerPartition: 8 * 1024 * 1024,
  });
  const timeoutMs = options.timeoutMs ?? 600_000;
  let timer: NodeJS.Timeout | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new UnavailableError("kafka_unavailable", `${topic} not restored to its end in ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      if (options.keepAlive) {
        const beat = options.keepAlive;
        keepAlive = setInterval(() => {
          beat().catch((error: unknown) =>
            options.log.debug({ err: error }, "keep-alive during restore failed"),
          );
        }, options.keepAliveIntervalMs ?? 1_000);
      }
      // Emitted for every fetched batch, including one that held only transaction markers or
      // aborted records (kafkajs skips eachBatch for those): the only reliable "reached the end".
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = ends.get(payload.partition);
        if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) ends.delete(payload.partition);
        if (ends.size === 0) resolve();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      void consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch, pause }) => {
            if (!wanted.has(batch.partition)) {
              pause();
              return;
            }
            for (const message of batch.messages) {
              if (message.key === null) continue;
              summary.records += 1;
              summary.bytes += message.key.length + (message.value?.length ?? 0);
              onRecord(batch.partition, message.key.toString(), message.value);
            }
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    clearInterval(keepAlive);
    await consumer.disconnect().catch((error: unknown) => {
      options.log.debug({ err: error }, "restore reader disconnect failed");
    });
  }
  return summary;
}
