import { envList } from "@parakey-bridge/config";
import { z } from "zod";
import { KafkaEnv } from "../config.js";
import { ConsumerGroupId, defaultConsumerGroup, TopicEnv } from "../service-env.js";

/**
 * The environment of `topics ensure`: the Kafka connection, the topic settings, and KAFKA_GROUP_IDS,
 * the consumer groups whose dead-letter and redrive topics to create. Its default is the groups
 * checkin, billing and audit join when KAFKA_GROUP_ID is not set; empty = no consumer groups.
 */
export const TopicsCliEnv = z.intersection(
  KafkaEnv,
  TopicEnv.omit({ ENSURE_TOPICS: true }).extend({
    KAFKA_GROUP_IDS: envList(["checkin", "billing", "audit"].map(defaultConsumerGroup)).pipe(
      z.array(ConsumerGroupId),
    ),
    /** Put before the bridge's topic names (`blue.parakey.event-logs.v1`): the chart's kafka.names.topics. */
    TOPIC_NAME_PREFIX: z
      .string()
      .regex(/^([a-zA-Z0-9._-]+\.)?$/, "letters, digits, '.', '_' and '-', ending in '.'")
      .default(""),
    LOG_LEVEL: z.string().default("info"),
  }),
);
