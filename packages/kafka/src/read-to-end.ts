import { UnavailableError } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { ConsumerConfig, EachBatchPayload, Kafka } from "kafkajs";

/**
 * The end offset (high watermark; with read_committed, the last stable offset) of each partition of
 * `topic` that holds records and that `include` accepts.
 */
export async function endOffsets(
  kafka: Kafka,
  topic: string,
  include: (partition: number) => boolean = () => true,
): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<number, bigint>();
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (include(p.partition) && BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}

export interface ReadToEndsOptions {
  /** The throwaway consumer: its group, isolation and fetch sizes. It commits nothing. */
  consumer: ConsumerConfig;
  /** Where a partition without a committed offset in the group starts. */
  fromBeginning: boolean;
  /** Give up (retryable `UnavailableError`) when the ends are not reached by then. */
  timeoutMs: number;
  /** What the reader does, for the timeout's message ("read", "restored"). */
  verb: string;
  /** The reader's name in the debug log ("state reader"). */
  reader: string;
  log: Logger;
  eachBatch: (payload: EachBatchPayload) => void;
}

/**
 * Runs a throwaway consumer on `topic` until every partition in `ends` reached its end offset (the
 * map is emptied as they do), handing each batch to `eachBatch`; a crashed consumer fails the read.
 * The shared loop of the state readers (compacted topics, time ranges, changelog restores).
 */
export async function readToEnds(
  kafka: Kafka,
  topic: string,
  ends: Map<number, bigint>,
  options: ReadToEndsOptions,
): Promise<void> {
  const consumer = kafka.consumer({
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 250,
    ...options.consumer,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: options.fromBeginning });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new UnavailableError(
              "kafka_unavailable",
              `${topic} not ${options.verb} to its end in ${options.timeoutMs} ms`,
            ),
          ),
        options.timeoutMs,
      );
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
          eachBatch: async (payload) => options.eachBatch(payload),
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch((error: unknown) => {
      options.log.debug({ err: error }, `${options.reader} disconnect failed`);
    });
  }
}
