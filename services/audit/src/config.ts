import { ApiAuthEnv, type AuthSettings, authSettingsOf } from "@parakey-bridge/auth";
import { type DatabaseSettings, databaseSettingsOf, envInt, loadConfig } from "@parakey-bridge/config";
import {
  type ConsumerSettings,
  consumerServiceEnv,
  consumerSettingsOf,
  type KafkaConnection,
  kafkaConnectionFromEnv,
  type TopicDefaults,
  topicDefaultsOf,
} from "@parakey-bridge/kafka";
import { z } from "zod";

const AuditOwnEnv = z.object({
  /** Partitions appended in parallel, each in its own transactions (chains are per domain). */
  CONSUMER_CONCURRENCY: envInt(1, { min: 1, max: 64 }),
  /** Personal data is erased this many days after the event (Parakey's default retention is 90). */
  AUDIT_RETENTION_DAYS: envInt(90, { min: 1 }),
  AUDIT_ERASURE_INTERVAL_MS: envInt(3_600_000, { min: 1_000 }),
});

/**
 * The audit service's environment: what every consumer service reads, its own settings, and how its
 * API authenticates (`ApiAuthEnv`).
 */
export const AuditEnv = z.intersection(z.intersection(consumerServiceEnv("audit"), AuditOwnEnv), ApiAuthEnv);

export interface AuditConfig {
  port: number;
  adminPort: number;
  host: string;
  logLevel: z.output<typeof AuditEnv>["LOG_LEVEL"];
  otlpEndpoint: string | undefined;
  kafka: KafkaConnection;
  database: DatabaseSettings;
  consumer: ConsumerSettings & { concurrency: number };
  topics: { eventLogs: string };
  /** Topic settings used when ENSURE_TOPICS creates a missing source topic at start; `false` when off. */
  ensureTopics: TopicDefaults | false;
  erasure: { retentionDays: number; intervalMs: number };
  /** Who may call the API: tokens, API keys, rate limit, the pseudonym key. */
  auth: AuthSettings;
  shutdownGraceMs: number;
}

/**
 * Reads the audit service's configuration from an environment map. Pure; throws `ConfigError`
 * listing every problem (tests pass objects).
 *
 * @example
 * const config = loadAuditConfig({ KAFKA_BROKERS: "127.0.0.1:9092", AUDIT_RETENTION_DAYS: "30" });
 */
export function loadAuditConfig(env: Record<string, string | undefined>): AuditConfig {
  const e = loadConfig(AuditEnv, env);
  return {
    port: e.PORT,
    adminPort: e.ADMIN_PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    kafka: kafkaConnectionFromEnv(e),
    database: databaseSettingsOf(e),
    consumer: { ...consumerSettingsOf(e), concurrency: e.CONSUMER_CONCURRENCY },
    topics: { eventLogs: e.TOPIC_EVENT_LOGS },
    ensureTopics: topicDefaultsOf(e),
    erasure: { retentionDays: e.AUDIT_RETENTION_DAYS, intervalMs: e.AUDIT_ERASURE_INTERVAL_MS },
    auth: authSettingsOf(e),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}
