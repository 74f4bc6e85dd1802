import { envList } from "@parakey-bridge/config";
import { z } from "zod";
import { KafkaEnv } from "../config.js";
import { bridgeTopicSpecs, consumerGroupTopicSpecs, type TopicSpec } from "../topic-admin.js";
import {
  ConsumerGroupId,
  defaultConsumerGroup,
  TopicEnv,
  TopicNamesEnv,
  topicNamesOf,
} from "../topic-env.js";

/**
 * The environment of `topics ensure`: the Kafka connection, the topic settings, the topic names
 * (the same `TOPIC_*` variables the services read), and KAFKA_GROUP_IDS, the consumer groups whose
 * dead-letter and redrive topics to create. Its default is the groups checkin, billing and audit
 * join when KAFKA_GROUP_ID is not set; empty = no consumer groups.
 */
export const TopicsCliEnv = z.intersection(
  z.intersection(KafkaEnv, TopicNamesEnv),
  TopicEnv.omit({ ENSURE_TOPICS: true }).extend({
    KAFKA_GROUP_IDS: envList(["checkin", "billing", "audit"].map(defaultConsumerGroup)).pipe(
      z.array(ConsumerGroupId),
    ),
    /**
     * Put before the name of each topic left at its default (`blue.parakey.event-logs.v1`): the
     * chart's kafka.names.topics.
     */
    TOPIC_NAME_PREFIX: z
      .string()
      .regex(/^([a-zA-Z0-9._-]+\.)?$/, "letters, digits, '.', '_' and '-', ending in '.'")
      .default(""),
    LOG_LEVEL: z.string().default("info"),
  }),
);

/**
 * What `topics ensure` brings to spec: every bridge topic under its configured name, and the
 * dead-letter and redrive topics of each group in KAFKA_GROUP_IDS.
 *
 * @example
 * topicsCliSpecs(loadConfig(TopicsCliEnv, { TOPIC_EVENT_LOGS: "events.v1" }))[0].topic; // "events.v1"
 */
export function topicsCliSpecs(env: z.output<typeof TopicsCliEnv>): TopicSpec[] {
  return [
    ...bridgeTopicSpecs(
      {
        partitions: env.TOPIC_PARTITIONS,
        replicationFactor: env.TOPIC_REPLICATION_FACTOR,
        retentionMs: env.TOPIC_RETENTION_MS,
      },
      topicNamesOf(env, env.TOPIC_NAME_PREFIX),
    ),
    ...[...new Set(env.KAFKA_GROUP_IDS)].flatMap((group) =>
      consumerGroupTopicSpecs(group, { replicationFactor: env.TOPIC_REPLICATION_FACTOR }),
    ),
  ];
}
