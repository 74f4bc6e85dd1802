import { Topics } from "@parakey-bridge/contracts";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Kafka } from "kafkajs";

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
  config?: Record<string, string>;
}

export interface TopicDefaults {
  partitions: number;
  replicationFactor: number;
  /** Retention of the event topics; -1 keeps forever. */
  retentionMs: number;
}

/**
 * The topics the bridge owns. `min.insync.replicas` follows the replication factor so acks=all means
 * "on at least two brokers" on a real cluster, and stays 1 on a single-node dev broker.
 */
export function bridgeTopicSpecs(defaults: TopicDefaults): TopicSpec[] {
  const minIsr = String(Math.max(1, Math.min(2, defaults.replicationFactor - 1)));
  const events = {
    "retention.ms": String(defaults.retentionMs),
    "min.insync.replicas": minIsr,
    // Produce time, not the lock's clock: a lock whose clock runs ahead would be refused by the broker.
    "message.timestamp.type": "CreateTime",
  };
  return [
    {
      topic: Topics.eventLogs,
      partitions: defaults.partitions,
      replicationFactor: defaults.replicationFactor,
      config: events,
    },
    {
      topic: Topics.rejected,
      partitions: defaults.partitions,
      replicationFactor: defaults.replicationFactor,
      config: events,
    },
    {
      topic: Topics.checkins,
      partitions: defaults.partitions,
      replicationFactor: defaults.replicationFactor,
      config: events,
    },
    {
      topic: Topics.pollerState,
      partitions: 1,
      replicationFactor: defaults.replicationFactor,
      config: {
        "cleanup.policy": "compact",
        "min.insync.replicas": minIsr,
        "min.compaction.lag.ms": "60000",
      },
    },
  ];
}

/**
 * Creates the topics that do not exist yet (existing ones are left alone; a partition count lower
 * than asked is reported, never changed silently — that would move keys between partitions).
 *
 * @example
 * await ensureTopics(kafka, bridgeTopicSpecs({ partitions: 6, replicationFactor: 3, retentionMs: 7 * 864e5 }), log);
 */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[], log: Logger): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor,
          configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    const present = specs.filter((spec) => existing.has(spec.topic));
    if (present.length > 0) {
      const metadata = await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.topic) });
      for (const topic of metadata.topics) {
        const wanted = present.find((spec) => spec.topic === topic.name)?.partitions ?? 0;
        if (topic.partitions.length < wanted) {
          log.warn(
            { topic: topic.name, partitions: topic.partitions.length, wanted },
            "topic has fewer partitions than configured",
          );
        }
      }
    }
    const created = missing.map((spec) => spec.topic);
    if (created.length > 0) log.info({ created }, "created topics");
    return created;
  } finally {
    await admin.disconnect();
  }
}
