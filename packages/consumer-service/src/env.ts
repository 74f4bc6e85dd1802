import { ApiAuthEnv, type AuthSettings, authSettingsOf } from "@parakey-bridge/auth";
import { type DatabaseSettings, databaseEnv, databaseSettingsOf, envInt } from "@parakey-bridge/config";
import {
  type BridgeServiceConfig,
  BridgeServiceEnv,
  bridgeServiceConfigOf,
  ConsumerGroupId,
  defaultConsumerGroup,
  TopicNamesEnv,
} from "@parakey-bridge/kafka";
import { z } from "zod";

/** What a consumer of the event topic reads: its group, the topic, batch and liveness timings. */
const consumerEnv = (service: string) =>
  TopicNamesEnv.pick({ TOPIC_EVENT_LOGS: true })
    .extend({
      /** The consumer group; also names the dead-letter and redrive topics. */
      KAFKA_GROUP_ID: ConsumerGroupId.default(defaultConsumerGroup(service)),
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
 * For a service whose sink writes each partition in its own transactions (billing, audit, checkin): how
 * many partitions it processes in parallel. Its own env extends this.
 *
 * @example
 * const AuditOwnEnv = ConcurrentConsumerEnv.extend({ AUDIT_RETENTION_DAYS: envInt(90) });
 */
export const ConcurrentConsumerEnv = z.object({
  CONSUMER_CONCURRENCY: envInt(1, { min: 1, max: 64 }),
});

/**
 * The environment every consumer service (checkin, billing, audit) shares: `BridgeServiceEnv`, the
 * database (`DATABASE_URL`, `PGLITE_DATA_DIR`, `DATABASE_SCHEMA`, `DATABASE_POOL_SIZE`) and the
 * consumer (`KAFKA_GROUP_ID` = `parakey-bridge-<service>`, `TOPIC_EVENT_LOGS`, `CONSUMER_*`).
 *
 * @example
 * const env = loadConfig(consumerServiceEnv("audit"), process.env);
 */
export const consumerServiceEnv = (service: string) =>
  z.intersection(z.intersection(BridgeServiceEnv, databaseEnv(service)), consumerEnv(service));

/**
 * A consumer service's whole environment: `consumerServiceEnv`, the service's own settings, and how
 * its API authenticates (`ApiAuthEnv`).
 *
 * @example
 * export const AuditEnv = consumerApiEnv("audit", z.object({ AUDIT_RETENTION_DAYS: envInt(90) }));
 */
export const consumerApiEnv = <Own extends z.ZodType>(service: string, own: Own) =>
  z.intersection(z.intersection(consumerServiceEnv(service), own), ApiAuthEnv);

export interface ConsumerSettings {
  group: string;
  maxBatchRecords: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Partitions processed in parallel (services whose sink allows it set CONSUMER_CONCURRENCY). */
  concurrency?: number;
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

/** What every consumer service's configuration holds; a service adds its own settings. */
export interface ConsumerServiceConfig extends BridgeServiceConfig {
  database: DatabaseSettings;
  consumer: ConsumerSettings;
  topics: { eventLogs: string };
  /** Who may call the API: tokens, API keys, rate limit, the pseudonym key. */
  auth: AuthSettings;
}

/**
 * The shared part of a consumer service's configuration, from its parsed environment; `consumer`
 * adds what the service's own environment says about its consumer (CONSUMER_CONCURRENCY).
 *
 * @example
 * const config = { ...consumerServiceConfigOf(e), erasure: { retentionDays: e.AUDIT_RETENTION_DAYS } };
 */
export function consumerServiceConfigOf(
  e: z.output<ReturnType<typeof consumerServiceEnv>> & z.output<typeof ApiAuthEnv>,
  consumer: Pick<ConsumerSettings, "concurrency"> = {},
): ConsumerServiceConfig {
  return {
    ...bridgeServiceConfigOf(e),
    database: databaseSettingsOf(e),
    consumer: { ...consumerSettingsOf(e), ...consumer },
    topics: { eventLogs: e.TOPIC_EVENT_LOGS },
    auth: authSettingsOf(e),
  };
}
