import { deadLetterTopic, Topics } from "@parakey-bridge/contracts";
import type { Component } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Kafka } from "kafkajs";
import { redriveTopic } from "./consumer/topics.js";

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
  const minIsr = minInSyncReplicas(defaults.replicationFactor);
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
    // The exactly-once streams (services/streams): written only in transactions.
    {
      topic: Topics.doorEvents,
      partitions: defaults.partitions,
      replicationFactor: defaults.replicationFactor,
      config: events,
    },
    {
      topic: Topics.doorEventsAnonymous,
      partitions: defaults.partitions,
      replicationFactor: defaults.replicationFactor,
      config: events,
    },
    {
      // Partition p is the dedupe state of event-log partition p: the same count, kept forever.
      topic: Topics.doorEventsSeen,
      partitions: defaults.partitions,
      replicationFactor: defaults.replicationFactor,
      config: { "cleanup.policy": "compact", "min.insync.replicas": minIsr },
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

/** `min.insync.replicas` for a replication factor: 2 on a real cluster, 1 on a single broker. */
function minInSyncReplicas(replicationFactor: number): string {
  return String(Math.max(1, Math.min(2, replicationFactor - 1)));
}

/**
 * Partitions and retention of a consumer group's dead-letter and redrive topics: the values
 * `ConsumerRunner` creates them with at start when they are missing. Keep the two in step.
 */
const GROUP_TOPIC_PARTITIONS = 1;
const GROUP_TOPIC_RETENTION_MS = 30 * 24 * 3600 * 1000;

/**
 * The dead-letter and redrive topics of one consumer group. Every `ConsumerRunner` needs both: it
 * creates them at start when they are missing, so where the services may not create topics (no
 * topic-create ACL) the provisioning Job creates them beforehand with these specs.
 *
 * @example
 * consumerGroupTopicSpecs("parakey-bridge-audit", { replicationFactor: 3 }).map((s) => s.topic);
 * // ["parakey.event-logs.v1.parakey-bridge-audit.dlq", "parakey.event-logs.v1.parakey-bridge-audit.redrive"]
 */
export function consumerGroupTopicSpecs(
  group: string,
  defaults: Pick<TopicDefaults, "replicationFactor">,
): TopicSpec[] {
  return [deadLetterTopic(group), redriveTopic(group)].map((topic) => ({
    topic,
    partitions: GROUP_TOPIC_PARTITIONS,
    replicationFactor: defaults.replicationFactor,
    config: {
      "retention.ms": String(GROUP_TOPIC_RETENTION_MS),
      "min.insync.replicas": minInSyncReplicas(defaults.replicationFactor),
    },
  }));
}

/**
 * A lifecycle component that creates the missing ones of `specs` at start (ENSURE_TOPICS, on by
 * default for development; off in production, where the chart's Job creates them).
 *
 * @example
 * if (topicDefaults) lifecycle.add(ensureTopicsOnStart(kafka, specs, log));
 */
export function ensureTopicsOnStart(kafka: Kafka, specs: TopicSpec[], log: Logger): Component {
  return {
    name: "topics",
    start: async () => {
      await ensureTopics(kafka, specs, log);
    },
    stop: async () => {},
  };
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
