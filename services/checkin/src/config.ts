import { ApiAuthEnv, type AuthSettings, authSettingsOf } from "@parakey-bridge/auth";
import {
  type DatabaseSettings,
  databaseSettingsOf,
  envInt,
  envMap,
  loadConfig,
} from "@parakey-bridge/config";
import { IanaTimeZone, Topics } from "@parakey-bridge/contracts";
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
import type { DomainSettingsConfig } from "./domain-settings.js";

const CheckInOwnEnv = z.object({
  TOPIC_CHECKINS: z.string().min(1).default(Topics.checkins),

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
});

/**
 * The check-in service's environment: what every consumer service reads, its own settings, and how
 * its API authenticates (`ApiAuthEnv`).
 */
export const CheckInEnv = z.intersection(
  z.intersection(consumerServiceEnv("checkin"), CheckInOwnEnv),
  ApiAuthEnv,
);

export interface CheckInConfig {
  port: number;
  adminPort: number;
  host: string;
  logLevel: z.output<typeof CheckInEnv>["LOG_LEVEL"];
  otlpEndpoint: string | undefined;
  kafka: KafkaConnection;
  database: DatabaseSettings;
  consumer: ConsumerSettings;
  topics: { eventLogs: string; checkIns: string };
  /** Topic settings used when ENSURE_TOPICS creates missing topics at start; `false` when off. */
  ensureTopics: TopicDefaults | false;
  domains: DomainSettingsConfig;
  outbox: { pollIntervalMs: number; batch: number; produceTimeoutMs: number };
  /** Who may call the API: tokens, API keys, rate limit, the pseudonym key. */
  auth: AuthSettings;
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
  return checkInConfigOf(loadConfig(CheckInEnv, env));
}

/**
 * The configuration of an environment already parsed with `CheckInEnv` (the admin CLI parses it with
 * `loadConfigOrExit`).
 *
 * @example
 * const config = checkInConfigOf(loadConfigOrExit(CheckInEnv, process.env));
 */
export function checkInConfigOf(e: z.output<typeof CheckInEnv>): CheckInConfig {
  return {
    port: e.PORT,
    adminPort: e.ADMIN_PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    kafka: kafkaConnectionFromEnv(e),
    database: databaseSettingsOf(e),
    consumer: consumerSettingsOf(e),
    topics: { eventLogs: e.TOPIC_EVENT_LOGS, checkIns: e.TOPIC_CHECKINS },
    ensureTopics: topicDefaultsOf(e),
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
    auth: authSettingsOf(e),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}
