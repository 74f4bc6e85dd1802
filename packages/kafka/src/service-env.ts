import { databaseEnv, envBoolean, envInt, ServiceEnv } from "@parakey-bridge/config";
import { Topics } from "@parakey-bridge/contracts";
import { z } from "zod";
import { KafkaEnv } from "./config.js";
import { redriveTopic } from "./consumer/topics.js";
import type { TopicDefaults } from "./topic-admin.js";

/**
 * The consumer group of a service when KAFKA_GROUP_ID is not set: the same name the Helm chart
 * gives it, so a local run and a cluster share dead-letter topic names
 * (`parakey.event-logs.v1.parakey-bridge-audit.dlq`).
 *
 * @example
 * defaultConsumerGroup("audit"); // "parakey-bridge-audit"
 */
export function defaultConsumerGroup(service: string): string {
  return `parakey-bridge-${service}`;
}

/** Kafka topic names allow at most 249 of these characters. */
const MAX_TOPIC_NAME = 249;

/**
 * A consumer group id. It also names the group's dead-letter and redrive topics, so it must be
 * legal inside a topic name, and short enough that the longer of the two still is.
 */
export const ConsumerGroupId = z
  .string()
  .regex(/^[a-zA-Z0-9._-]+$/, "letters, digits, '.', '_' and '-' only (it names the group's topics)")
  .max(MAX_TOPIC_NAME - redriveTopic("").length, "too long to name the group's redrive topic");

/**
 * Topic settings every service that may create topics at start reads (and the `topics ensure` CLI,
 * without ENSURE_TOPICS). Production turns ENSURE_TOPICS off and lets the chart's Job create them.
 */
export const TopicEnv = z.object({
  ENSURE_TOPICS: envBoolean(true),
  TOPIC_PARTITIONS: envInt(6, { min: 1 }),
  TOPIC_REPLICATION_FACTOR: envInt(1, { min: 1 }),
  TOPIC_RETENTION_MS: envInt(7 * 24 * 3600 * 1000, { min: -1 }),
});

/**
 * The settings topics are created with at start, or `false` when ENSURE_TOPICS is off.
 *
 * @example
 * const defaults = topicDefaultsOf(loadConfig(TopicEnv, { ENSURE_TOPICS: "true" })); // { partitions: 6, … }
 */
export function topicDefaultsOf(env: z.output<typeof TopicEnv>): TopicDefaults | false {
  return env.ENSURE_TOPICS
    ? {
        partitions: env.TOPIC_PARTITIONS,
        replicationFactor: env.TOPIC_REPLICATION_FACTOR,
        retentionMs: env.TOPIC_RETENTION_MS,
      }
    : false;
}

/** What a consumer of the event topic reads: its group, the topic, batch and liveness timings. */
const consumerEnv = (service: string) =>
  z
    .object({
      /** The consumer group; also names the dead-letter and redrive topics. */
      KAFKA_GROUP_ID: ConsumerGroupId.default(defaultConsumerGroup(service)),
      TOPIC_EVENT_LOGS: z.string().min(1).default(Topics.eventLogs),
      CONSUMER_MAX_BATCH: envInt(500, { min: 1, max: 10_000 }),
      /** A member that stops heartbeating (killed) loses its partitions after this long (broker minimum 6 s). */
      CONSUMER_SESSION_TIMEOUT_MS: envInt(30_000, { min: 6_000, max: 300_000 }),
      /** Default: 3 s, or a third of the session timeout when that is shorter. */
      CONSUMER_HEARTBEAT_INTERVAL_MS: z.preprocess(
        (value) => (value === "" ? undefined : value),
        z.coerce.number().int().min(100).max(60_000).optional(),
      ),
    })
    .superRefine((env, ctx) => {
      const heartbeat = env.CONSUMER_HEARTBEAT_INTERVAL_MS;
      if (heartbeat !== undefined && heartbeat * 3 > env.CONSUMER_SESSION_TIMEOUT_MS) {
        ctx.addIssue({
          code: "custom",
          path: ["CONSUMER_HEARTBEAT_INTERVAL_MS"],
          message: "must be at most a third of CONSUMER_SESSION_TIMEOUT_MS",
        });
      }
    });

/**
 * The environment every consumer service (checkin, billing, audit) shares, under one set of names:
 * Kafka connection (`KAFKA_*`), ports, log level, tracing and `SHUTDOWN_GRACE_MS`, the database
 * (`DATABASE_URL`, `PGLITE_DATA_DIR`, `DATABASE_SCHEMA`, `DATABASE_POOL_SIZE`), the consumer
 * (`KAFKA_GROUP_ID` = `parakey-bridge-<service>`, `TOPIC_EVENT_LOGS`, `CONSUMER_*`) and topic creation
 * at start (`ENSURE_TOPICS`, `TOPIC_*`). A service intersects it with its own settings.
 *
 * @example
 * const AuditEnv = z.intersection(consumerServiceEnv("audit"), z.object({ AUDIT_RETENTION_DAYS: envInt(90) }));
 */
export const consumerServiceEnv = (service: string) =>
  z.intersection(
    z.intersection(z.intersection(KafkaEnv, ServiceEnv), databaseEnv(service)),
    z.intersection(consumerEnv(service), TopicEnv),
  );

export interface ConsumerSettings {
  group: string;
  maxBatchRecords: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
}

/**
 * The consumer part of a parsed consumer-service environment, as `ConsumerRunner` takes it.
 *
 * @example
 * const runner = new ConsumerRunner({ ...consumerSettingsOf(env), topics: [env.TOPIC_EVENT_LOGS], … });
 */
export function consumerSettingsOf(env: z.output<ReturnType<typeof consumerEnv>>): ConsumerSettings {
  return {
    group: env.KAFKA_GROUP_ID,
    maxBatchRecords: env.CONSUMER_MAX_BATCH,
    sessionTimeoutMs: env.CONSUMER_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs:
      env.CONSUMER_HEARTBEAT_INTERVAL_MS ?? Math.min(3_000, Math.floor(env.CONSUMER_SESSION_TIMEOUT_MS / 3)),
  };
}
