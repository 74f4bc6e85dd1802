import { testKafkaBrokers } from "./isolation.js";

/**
 * The environment of a consumer service (check-in, billing, audit) under test, as its `load…Config`
 * reads it: the shared broker, its own group, topic and database, ephemeral ports, topics made by
 * the test, and heartbeats quick enough that a stopped or crashed member leaves its group fast.
 * Authentication is waived unless `extra` brings API keys (a test that calls the API as a role).
 *
 * @example
 * const config = loadBillingConfig(consumerServiceEnv({ databaseUrl, group, topic }, { CONSUMER_MAX_BATCH: "50" }));
 */
export function consumerServiceEnv(
  service: { databaseUrl: string; group: string; topic: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...(extra.API_KEYS === undefined ? { AUTH_DISABLED: "true" } : {}),
    KAFKA_BROKERS: testKafkaBrokers().join(","),
    DATABASE_URL: service.databaseUrl,
    PORT: "0",
    ADMIN_PORT: "0",
    HOST: "127.0.0.1",
    KAFKA_GROUP_ID: service.group,
    TOPIC_EVENT_LOGS: service.topic,
    ENSURE_TOPICS: "false",
    CONSUMER_SESSION_TIMEOUT_MS: "6000",
    CONSUMER_HEARTBEAT_INTERVAL_MS: "1000",
    ...extra,
  };
}
