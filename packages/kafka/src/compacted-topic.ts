import { randomUUID } from "node:crypto";
import { UnavailableError } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Kafka } from "kafkajs";

export interface ReadLatestOptions {
  log: Logger;
  /** Only keys this accepts are kept (the rest are read and dropped). */
  keep?: (key: string) => boolean;
  /** Give up (retryable `UnavailableError`) when the end is not reached by then. Default 30 s. */
  timeoutMs?: number;
}

/**
 * Reads a (compacted) topic from its start to the end offsets it had when the call began, and
 * returns the latest value per key — a tombstone (`null`) included, so the caller can tell "deleted"
 * from "never written". Keyless records are skipped. Meant for small state topics (checkpoints),
 * read once at start or on taking over.
 *
 * kafkajs cannot assign partitions by hand, so this joins a throwaway consumer group that commits
 * nothing (the broker drops such a group once empty).
 *
 * @example
 * const latest = await readLatestByKey(kafka, "parakey-bridge.poller-state", { log });
 * const checkpoint = latest.get("acme");
 */
export async function readLatestByKey(
  kafka: Kafka,
  topic: string,
  options: ReadLatestOptions,
): Promise<Map<string, Buffer | null>> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(
      offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]),
    );
  } finally {
    await admin.disconnect();
  }
  const latest = new Map<string, Buffer | null>();
  if (ends.size === 0) return latest;

  const consumer = kafka.consumer({
    groupId: `state-reader-${randomUUID()}`,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 250,
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new UnavailableError("kafka_unavailable", `${topic} not read to its end in ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      void consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const key = message.key?.toString();
              if (key !== undefined && (options.keep?.(key) ?? true)) latest.set(key, message.value);
            }
            const end = ends.get(batch.partition);
            if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) ends.delete(batch.partition);
            if (ends.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch((error: unknown) => {
      options.log.debug({ err: error }, "state reader disconnect failed");
    });
  }
  return latest;
}
