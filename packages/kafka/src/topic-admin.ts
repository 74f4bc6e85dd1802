import { deadLetterTopic, Topics } from "@parakey-bridge/contracts";
import { BridgeError, type Component } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Admin, ConfigResourceTypes, ConfigSource, Kafka } from "kafkajs";

// kafkajs's enums live past what Node can import by name from its CommonJS index; the protocol
// values themselves are fixed: resource type TOPIC, and a value set on the topic itself.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes.TOPIC;
const SET_ON_TOPIC = 1 as ConfigSource.TOPIC_CONFIG;

import { redriveTopic } from "./consumer/topics.js";
import type { TopicKey, TopicNames } from "./topic-env.js";

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
 * The topics the bridge owns, under the names given (by default the contract's: `Topics`); with
 * some names only, the specs of those topics. `min.insync.replicas` follows the replication factor
 * so acks=all means "on at least two brokers" on a real cluster, and stays 1 on a single-node dev
 * broker.
 *
 * @example
 * bridgeTopicSpecs(defaults); // all seven, as named in the contract
 * bridgeTopicSpecs(defaults, { eventLogs: config.topics.eventLogs }); // the event topic, renamed
 */
export function bridgeTopicSpecs(defaults: TopicDefaults, names: Partial<TopicNames> = Topics): TopicSpec[] {
  const minIsr = minInSyncReplicas(defaults.replicationFactor);
  const events = {
    "retention.ms": String(defaults.retentionMs),
    "min.insync.replicas": minIsr,
    // Produce time, not the lock's clock: a lock whose clock runs ahead would be refused by the broker.
    "message.timestamp.type": "CreateTime",
  };
  const { partitions, replicationFactor } = defaults;
  const event = { partitions, replicationFactor, config: events };
  const specs: Record<TopicKey, Omit<TopicSpec, "topic">> = {
    eventLogs: event,
    rejected: event,
    checkins: event,
    // The exactly-once streams (services/streams): written only in transactions.
    doorEvents: event,
    doorEventsAnonymous: event,
    // Partition p is the dedupe state of event-log partition p: the same count, kept forever.
    doorEventsSeen: {
      partitions,
      replicationFactor,
      config: { "cleanup.policy": "compact", "min.insync.replicas": minIsr },
    },
    pollerState: {
      partitions: 1,
      replicationFactor,
      config: {
        "cleanup.policy": "compact",
        "min.insync.replicas": minIsr,
        "min.compaction.lag.ms": "60000",
      },
    },
  };
  return (Object.keys(Topics) as TopicKey[]).flatMap((key) => {
    const topic = names[key];
    return topic === undefined ? [] : [{ topic, ...specs[key] }];
  });
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
    await createTopics(admin, missing);
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

/** What `reconcileTopics` changed (or, on a dry run, would change). */
export interface TopicReconcileResult {
  created: string[];
  /** Topics whose partition count grew. */
  grown: { topic: string; from: number; to: number }[];
  /** Topic configs set to the spec's value (previous value; undefined = the broker default). */
  configured: { topic: string; name: string; from: string | undefined; to: string }[];
}

interface TopicPlan extends TopicReconcileResult {
  /** Topic name -> its complete dynamic config after the change (alterConfigs replaces it whole). */
  configs: Map<string, Record<string, string>>;
  refused: string[];
}

/**
 * Brings the topics to their specs (the provisioning Job, `topics ensure`): creates the missing ones,
 * sets every config of a spec that differs on the broker (retention, min.insync.replicas, ...; other
 * settings an operator gave a topic are kept), and grows partitions that are fewer than the spec's.
 * Growing moves keys to other partitions: per-device order holds within each partition from then on,
 * but records of a device produced before and after the change may be read out of order, so it is
 * logged as a warning. What Kafka cannot do in place is refused, before anything is changed: fewer
 * partitions (it would delete data) and another replication factor (a partition reassignment, an
 * operator's job): it throws a `BridgeError` ("topic_change_refused") naming every refusal, so the Job
 * fails instead of reporting success over topics that differ from what the chart says.
 *
 * @example
 * const result = await reconcileTopics(kafka, bridgeTopicSpecs({ partitions: 6, replicationFactor: 3, retentionMs: 7 * 864e5 }), log);
 * // { created: [], grown: [], configured: [{ topic: "parakey.event-logs.v1", name: "retention.ms", from: "86400000", to: "604800000" }] }
 */
export async function reconcileTopics(
  kafka: Kafka,
  specs: TopicSpec[],
  log: Logger,
): Promise<TopicReconcileResult> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const plan = await planTopics(admin, specs);
    if (plan.refused.length > 0) {
      for (const reason of plan.refused) log.error({ reason }, "topic change refused");
      throw new BridgeError(
        "topic_change_refused",
        `refused, nothing was changed: ${plan.refused.join("; ")}`,
      );
    }
    const missing = specs.filter((spec) => plan.created.includes(spec.topic));
    await createTopics(admin, missing);
    if (missing.length > 0) log.info({ created: plan.created }, "created topics");
    if (plan.configs.size > 0) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [...plan.configs].map(([name, config]) => ({
          type: TOPIC_RESOURCE,
          name,
          configEntries: Object.entries(config).map(([entry, value]) => ({ name: entry, value })),
        })),
      });
      for (const change of plan.configured) log.info(change, "topic config changed");
    }
    if (plan.grown.length > 0) {
      for (const growth of plan.grown) {
        log.warn(
          growth,
          "growing partitions: keys move to other partitions, so a device's records written before and after this change may be read out of order",
        );
      }
      await admin.createPartitions({
        topicPartitions: plan.grown.map(({ topic, to }) => ({ topic, count: to })),
      });
    }
    return { created: plan.created, grown: plan.grown, configured: plan.configured };
  } finally {
    await admin.disconnect();
  }
}

/** Creates the topics of `specs` (none of which exists yet), waiting until each has a leader. */
async function createTopics(admin: Admin, specs: TopicSpec[]): Promise<void> {
  if (specs.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: specs.map((spec) => ({
      topic: spec.topic,
      numPartitions: spec.partitions,
      replicationFactor: spec.replicationFactor,
      configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
    })),
  });
}

async function planTopics(admin: Admin, specs: TopicSpec[]): Promise<TopicPlan> {
  const plan: TopicPlan = { created: [], grown: [], configured: [], configs: new Map(), refused: [] };
  const existing = new Set(await admin.listTopics());
  const present = specs.filter((spec) => existing.has(spec.topic));
  plan.created = specs.filter((spec) => !existing.has(spec.topic)).map((spec) => spec.topic);
  if (present.length === 0) return plan;

  const metadata = await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.topic) });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((spec) => ({ type: TOPIC_RESOURCE, name: spec.topic })),
  });
  for (const spec of present) {
    const partitions = metadata.topics.find((topic) => topic.name === spec.topic)?.partitions ?? [];
    const replicas = partitions[0]?.replicas.length ?? spec.replicationFactor;
    if (partitions.length > spec.partitions) {
      plan.refused.push(
        `${spec.topic} has ${partitions.length} partitions, the spec ${spec.partitions}: Kafka cannot remove partitions (set the spec to at least ${partitions.length})`,
      );
    } else if (partitions.length < spec.partitions) {
      plan.grown.push({ topic: spec.topic, from: partitions.length, to: spec.partitions });
    }
    if (replicas !== spec.replicationFactor) {
      plan.refused.push(
        `${spec.topic} has replication factor ${replicas}, the spec ${spec.replicationFactor}: changing it takes a partition reassignment (kafka-reassign-partitions), which this Job does not do`,
      );
    }
    const entries =
      described.resources.find((resource) => resource.resourceName === spec.topic)?.configEntries ?? [];
    // alterConfigs replaces a topic's whole dynamic config: start from what is set on the topic now,
    // so settings an operator added stay.
    const current = Object.fromEntries(
      entries
        .filter((entry) => entry.configSource === SET_ON_TOPIC && !entry.isSensitive)
        .map((entry) => [entry.configName, entry.configValue]),
    );
    const changes = Object.entries(spec.config ?? {}).filter(([name, value]) => current[name] !== value);
    if (changes.length > 0) {
      plan.configs.set(spec.topic, { ...current, ...Object.fromEntries(changes) });
      for (const [name, to] of changes)
        plan.configured.push({ topic: spec.topic, name, from: current[name], to });
    }
  }
  return plan;
}
