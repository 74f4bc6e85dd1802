import { envBoolean, envInt, envLogLevel, envMap, envPort, loadConfig } from "@parakey-bridge/config";
import { IanaTimeZone, Topics } from "@parakey-bridge/contracts";
import {
  type KafkaConnection,
  KafkaEnv,
  kafkaConnectionFromEnv,
  type TopicDefaults,
} from "@parakey-bridge/kafka";
import { z } from "zod";
import type { DomainSettingsConfig } from "./domain-settings.js";

const CheckInOwnEnv = z.object({
  PORT: envPort(8080),
  ADMIN_PORT: envPort(9464),
  HOST: z.string().min(1).default("0.0.0.0"),
  LOG_LEVEL: envLogLevel(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ error: "expected an absolute URL" }).optional(),

  /** PostgreSQL; absent or empty = embedded PGlite (a start command that needs no database server). */
  DATABASE_URL: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.url({ error: "expected a postgres:// URL" }).optional(),
  ),
  /** PGlite data directory when DATABASE_URL is absent; empty = in memory. */
  PGLITE_DATA_DIR: z.string().default(".data/checkin"),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "lower-case letters, digits, _")
    .default("checkin"),
  DATABASE_POOL_SIZE: envInt(5, { min: 1, max: 100 }),

  /** The consumer group; also names the dead-letter and redrive topics. */
  CONSUMER_GROUP: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/)
    .default("checkin"),
  TOPIC_EVENT_LOGS: z.string().min(1).default(Topics.eventLogs),
  TOPIC_CHECKINS: z.string().min(1).default(Topics.checkins),
  ENSURE_TOPICS: envBoolean(true),
  TOPIC_PARTITIONS: envInt(6, { min: 1 }),
  TOPIC_REPLICATION_FACTOR: envInt(1, { min: 1 }),
  TOPIC_RETENTION_MS: envInt(7 * 24 * 3600 * 1000, { min: -1 }),
  CONSUMER_MAX_BATCH: envInt(500, { min: 1, max: 10_000 }),
  /** A member that stops heartbeating (killed) loses its partitions after this long (broker minimum 6 s). */
  CONSUMER_SESSION_TIMEOUT_MS: envInt(30_000, { min: 6_000, max: 300_000 }),
  CONSUMER_HEARTBEAT_INTERVAL_MS: envInt(3_000, { min: 100, max: 60_000 }),

  /** The zone of domains not named in DOMAIN_TIME_ZONES. */
  DEFAULT_TIME_ZONE: IanaTimeZone.default("UTC"),
  /** `dom_a=Europe/Stockholm,dom_b=America/New_York`: the zone that decides each domain's days. */
  DOMAIN_TIME_ZONES: envMap(IanaTimeZone),
  /** How late an unlock may reach Parakey and still make a live check-in (Parakey's "allowed offset"). */
  LIVE_WINDOW_MS: envInt(10 * 60 * 1000, { min: 0 }),
  /** Per-domain live windows: `dom_a=60000,dom_b=0`. */
  DOMAIN_LIVE_WINDOWS_MS: envMap(z.coerce.number({ error: "expected milliseconds" }).int().min(0)),

  OUTBOX_POLL_INTERVAL_MS: envInt(1_000, { min: 10, max: 60_000 }),
  OUTBOX_BATCH: envInt(500, { min: 1, max: 10_000 }),
  PRODUCE_TIMEOUT_MS: envInt(5_000, { min: 100, max: 60_000 }),

  SHUTDOWN_GRACE_MS: envInt(20_000, { min: 1_000, max: 600_000 }),
});

/** The check-in service's environment: Kafka connection plus its own settings. */
export const CheckInEnv = z.intersection(KafkaEnv, CheckInOwnEnv).superRefine((env, ctx) => {
  if (env.PORT !== 0 && env.PORT === env.ADMIN_PORT) {
    ctx.addIssue({ code: "custom", path: ["ADMIN_PORT"], message: "must differ from PORT" });
  }
  if (env.CONSUMER_HEARTBEAT_INTERVAL_MS * 3 > env.CONSUMER_SESSION_TIMEOUT_MS) {
    ctx.addIssue({
      code: "custom",
      path: ["CONSUMER_HEARTBEAT_INTERVAL_MS"],
      message: "must be at most a third of CONSUMER_SESSION_TIMEOUT_MS",
    });
  }
});

export interface CheckInConfig {
  port: number;
  adminPort: number;
  host: string;
  logLevel: z.output<typeof CheckInOwnEnv>["LOG_LEVEL"];
  otlpEndpoint: string | undefined;
  kafka: KafkaConnection;
  database: { url: string | undefined; dataDir: string | undefined; schema: string; poolSize: number };
  consumer: { group: string; maxBatchRecords: number; sessionTimeoutMs: number; heartbeatIntervalMs: number };
  topics: { eventLogs: string; checkIns: string };
  /** Topic settings used when ENSURE_TOPICS creates missing topics at start; `false` when off. */
  ensureTopics: TopicDefaults | false;
  domains: DomainSettingsConfig;
  outbox: { pollIntervalMs: number; batch: number; produceTimeoutMs: number };
  shutdownGraceMs: number;
}

/**
 * Reads the check-in service's configuration from an environment map. Pure; throws `ConfigError`
 * listing every problem (an unknown time zone is named with its domain).
 *
 * @example
 * const config = loadCheckInConfig({ DOMAIN_TIME_ZONES: "dom_a=Europe/Stockholm", LIVE_WINDOW_MS: "600000" });
 */
export function loadCheckInConfig(env: Record<string, string | undefined>): CheckInConfig {
  const e = loadConfig(CheckInEnv, env);
  return {
    port: e.PORT,
    adminPort: e.ADMIN_PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    kafka: kafkaConnectionFromEnv(e),
    database: {
      url: e.DATABASE_URL,
      dataDir: e.PGLITE_DATA_DIR === "" ? undefined : e.PGLITE_DATA_DIR,
      schema: e.DATABASE_SCHEMA,
      poolSize: e.DATABASE_POOL_SIZE,
    },
    consumer: {
      group: e.CONSUMER_GROUP,
      maxBatchRecords: e.CONSUMER_MAX_BATCH,
      sessionTimeoutMs: e.CONSUMER_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: e.CONSUMER_HEARTBEAT_INTERVAL_MS,
    },
    topics: { eventLogs: e.TOPIC_EVENT_LOGS, checkIns: e.TOPIC_CHECKINS },
    ensureTopics: e.ENSURE_TOPICS
      ? {
          partitions: e.TOPIC_PARTITIONS,
          replicationFactor: e.TOPIC_REPLICATION_FACTOR,
          retentionMs: e.TOPIC_RETENTION_MS,
        }
      : false,
    domains: {
      defaultTimeZone: e.DEFAULT_TIME_ZONE,
      timeZones: e.DOMAIN_TIME_ZONES,
      liveWindowMs: e.LIVE_WINDOW_MS,
      liveWindowsMs: e.DOMAIN_LIVE_WINDOWS_MS,
    },
    outbox: {
      pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
      batch: e.OUTBOX_BATCH,
      produceTimeoutMs: e.PRODUCE_TIMEOUT_MS,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}
