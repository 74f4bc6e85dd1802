import type { Logger } from "@parakey-bridge/telemetry";
import type { ConfigResourceTypes, Kafka } from "kafkajs";

/**
 * The protocol's resource type of a topic in DescribeConfigs. kafkajs's `ConfigResourceTypes` enum is
 * not a named export Node's ESM loader can see in its CommonJS entry, hence the number.
 */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** Kafka's default `message.max.bytes` (broker) and `max.message.bytes` (topic): 1 MiB + 12. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Room kept below a topic's limit for what our estimate does not count exactly: the record batch
 * header (61 bytes), varint widths and kafkajs's own framing.
 */
const BATCH_OVERHEAD_BYTES = 512;

/** A topic whose limit could not be read is asked again at most this often (a broker outage). */
const RETRY_READ_MS = 30_000;

/**
 * The largest record batch each topic accepts (`max.message.bytes`, the topic's value or the broker
 * default it inherits), read with describeConfigs. Above it the broker answers MESSAGE_TOO_LARGE for
 * the whole partition batch, and kafkajs fails the whole request, every record in it — so the
 * producer keeps each topic's share of a request below `budgetOf(topic)`.
 *
 * Unknown topics count with Kafka's default until their value is read (in the background, once).
 *
 * @example
 * const limits = new TopicLimits(kafka, log);
 * await limits.refresh(["parakey.event-logs.v1"]);
 * limits.budgetOf("parakey.event-logs.v1"); // bytes of records one produce request may carry for it
 */
export class TopicLimits {
  private readonly maxBytes = new Map<string, number>();
  private readonly reading = new Map<string, Promise<void>>();
  /** `performance.now()` of the last background read per topic. */
  private readonly lastRead = new Map<string, number>();

  constructor(
    private readonly kafka: Kafka,
    private readonly log: Logger,
  ) {}

  /** The byte budget of one topic's records in one produce request. */
  budgetOf(topic: string): number {
    const known = this.maxBytes.get(topic);
    if (
      known === undefined &&
      performance.now() - (this.lastRead.get(topic) ?? -RETRY_READ_MS) >= RETRY_READ_MS
    ) {
      void this.refreshInBackground(topic);
    }
    return Math.max(1, (known ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES) - BATCH_OVERHEAD_BYTES);
  }

  /** Reads `max.message.bytes` of the topics now (at start, and after MESSAGE_TOO_LARGE). */
  async refresh(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({
          type: TOPIC_RESOURCE,
          name,
          configNames: ["max.message.bytes"],
        })),
      });
      for (const resource of resources) {
        const entry = resource.configEntries.find((e) => e.configName === "max.message.bytes");
        const value = Number(entry?.configValue);
        if (resource.errorCode === 0 && Number.isSafeInteger(value) && value > 0) {
          this.maxBytes.set(resource.resourceName, value);
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** Like `refresh`, never throwing: the default (or the last value read) stays until it works. */
  refreshInBackground(topic: string): Promise<void> {
    const running = this.reading.get(topic);
    if (running) return running;
    this.lastRead.set(topic, performance.now());
    const read = this.refresh([topic])
      .catch((error: unknown) => {
        this.log.warn({ err: error, topic }, "could not read the topic's max.message.bytes");
      })
      .finally(() => this.reading.delete(topic));
    this.reading.set(topic, read);
    return read;
  }
}

/**
 * An upper bound of a record's size inside a record batch (Kafka's v2 format): key, value and headers
 * with the widest varints for their lengths, so a batch kept under the budget by this estimate is
 * under the broker's limit (uncompressed; compression only makes it smaller).
 */
export function recordBytesBound(record: {
  key: string | null;
  /** `null` for a tombstone on a compacted topic. */
  value: Buffer | null;
  headers?: Record<string, string>;
}): number {
  const key = record.key === null ? 0 : Buffer.byteLength(record.key);
  let bytes = 32 + key + (record.value?.byteLength ?? 0);
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    bytes += 10 + Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}
