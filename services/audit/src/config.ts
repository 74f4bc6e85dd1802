import { envInt, envLogLevel, envPort, loadConfig } from "@parakey-bridge/config";
import { Topics } from "@parakey-bridge/contracts";
import { KafkaEnv } from "@parakey-bridge/kafka";
import { z } from "zod";

/** The audit service's environment. */
export const AuditEnv = z.intersection(
  KafkaEnv,
  z.object({
    PORT: envPort(8080),
    ADMIN_PORT: envPort(9464),
    LOG_LEVEL: envLogLevel(),
    /** PostgreSQL; without it the embedded PGlite database in AUDIT_DATA_DIR is used. */
    DATABASE_URL: z.url({ error: "expected a postgres:// URL" }).optional(),
    AUDIT_DATA_DIR: z.string().min(1).default(".data/audit"),
    DB_POOL_SIZE: envInt(5, { min: 1, max: 100 }),
    /** The consumer group; also names the dead-letter and redrive topics. */
    CONSUMER_GROUP: z
      .string()
      .regex(/^[a-zA-Z0-9._-]+$/)
      .default("audit"),
    AUDIT_TOPIC: z.string().min(1).default(Topics.eventLogs),
    CONSUMER_MAX_BATCH: envInt(500, { min: 1, max: 10_000 }),
    CONSUMER_CONCURRENCY: envInt(1, { min: 1, max: 64 }),
    /** How soon the group notices a dead member (a crashed pod) and hands its partitions on. */
    CONSUMER_SESSION_TIMEOUT_MS: envInt(30_000, { min: 6_000, max: 300_000 }),
    /** Personal data is erased this many days after the event (Parakey's default retention is 90). */
    AUDIT_RETENTION_DAYS: envInt(90, { min: 1 }),
    AUDIT_ERASURE_INTERVAL_MS: envInt(3_600_000, { min: 1_000 }),
    SHUTDOWN_TIMEOUT_MS: envInt(20_000, { min: 1_000 }),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
  }),
);
export type AuditConfig = z.output<typeof AuditEnv>;

/**
 * Reads the audit service's configuration from an environment map (pure: tests pass objects).
 *
 * @example
 * const config = loadAuditConfig({ KAFKA_BROKERS: "127.0.0.1:9092" });
 */
export function loadAuditConfig(env: Record<string, string | undefined>): AuditConfig {
  return loadConfig(AuditEnv, env);
}
