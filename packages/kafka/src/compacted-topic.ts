import { randomUUID } from "node:crypto";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Kafka } from "kafkajs";
import { endOffsets, readToEnds } from "./read-to-end.js";

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
  const ends = await endOffsets(kafka, topic);
  const latest = new Map<string, Buffer | null>();
  if (ends.size === 0) return latest;
  await readToEnds(kafka, topic, ends, {
    consumer: { groupId: `state-reader-${randomUUID()}` },
    fromBeginning: true,
    timeoutMs: options.timeoutMs ?? 30_000,
    verb: "read",
    reader: "state reader",
    log: options.log,
    eachBatch: ({ batch }) => {
      for (const message of batch.messages) {
        const key = message.key?.toString();
        if (key !== undefined && (options.keep?.(key) ?? true)) latest.set(key, message.value);
      }
    },
  });
  return latest;
}
