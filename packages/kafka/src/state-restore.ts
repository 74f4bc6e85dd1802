import { randomUUID } from "node:crypto";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Kafka } from "kafkajs";
import { endOffsets, readToEnds } from "./read-to-end.js";

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
  // kafkajs's admin lists offsets with isolation read_committed: `high` is the last stable offset.
  const ends = await endOffsets(kafka, topic, (partition) => wanted.has(partition));
  if (ends.size === 0) return summary;

  const beat = options.keepAlive;
  const keepAlive = beat
    ? setInterval(() => {
        beat().catch((error: unknown) =>
          options.log.debug({ err: error }, "keep-alive during restore failed"),
        );
      }, options.keepAliveIntervalMs ?? 1_000)
    : undefined;
  try {
    await readToEnds(kafka, topic, ends, {
      consumer: {
        groupId: `${options.groupPrefix}.restore-${randomUUID()}`,
        readUncommitted: false,
        maxBytesPerPartition: 8 * 1024 * 1024,
      },
      fromBeginning: true,
      timeoutMs: options.timeoutMs ?? 600_000,
      verb: "restored",
      reader: "restore reader",
      log: options.log,
      eachBatch: ({ batch, pause }) => {
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
    });
  } finally {
    clearInterval(keepAlive);
  }
  return summary;
}
