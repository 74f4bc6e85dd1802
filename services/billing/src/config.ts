import { ApiAuthEnv, type AuthSettings, authSettingsOf } from "@parakey-bridge/auth";
import {
  type DatabaseSettings,
  databaseSettingsOf,
  envInt,
  envMap,
  loadConfig,
} from "@parakey-bridge/config";
import { IanaTimeZone } from "@parakey-bridge/contracts";
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

const BillingOwnEnv = z.object({
  /** Partitions metered in parallel, each in its own transactions. */
  CONSUMER_CONCURRENCY: envInt(1, { min: 1, max: 64 }),

  /** The zone of domains not named in DOMAIN_TIME_ZONES. */
  DEFAULT_TIME_ZONE: IanaTimeZone.default("UTC"),
  /** `dom_a=Europe/Stockholm,dom_b=America/New_York`: the zone that decides each domain's months. */
  DOMAIN_TIME_ZONES: envMap(IanaTimeZone),
});

/**
 * The billing service's environment: what every consumer service reads, its own settings, and how
 * its API authenticates (`ApiAuthEnv`).
 */
export const BillingEnv = z.intersection(
  z.intersection(consumerServiceEnv("billing"), BillingOwnEnv),
  ApiAuthEnv,
);

export interface BillingConfig {
  port: number;
  adminPort: number;
  host: string;
  logLevel: z.output<typeof BillingEnv>["LOG_LEVEL"];
  otlpEndpoint: string | undefined;
  kafka: KafkaConnection;
  database: DatabaseSettings;
  consumer: ConsumerSettings & { concurrency: number };
  topics: { eventLogs: string };
  /** Topic settings used when ENSURE_TOPICS creates a missing source topic at start; `false` when off. */
  ensureTopics: TopicDefaults | false;
  timeZones: { default: string; byDomain: Readonly<Record<string, string>> };
  /** Who may call the API: tokens, API keys, rate limit. */
  auth: AuthSettings;
  shutdownGraceMs: number;
}

/**
 * Reads the billing service's configuration from an environment map. Pure; throws `ConfigError`
 * listing every problem (an unknown time zone is named with its domain).
 *
 * @example
 * const config = loadBillingConfig({ DOMAIN_TIME_ZONES: "dom_a=Europe/Stockholm" });
 */
export function loadBillingConfig(env: Record<string, string | undefined>): BillingConfig {
  return billingConfigOf(loadConfig(BillingEnv, env));
}

/**
 * The configuration of an environment already parsed with `BillingEnv` (the admin CLI parses it with
 * `loadConfigOrExit`).
 *
 * @example
 * const config = billingConfigOf(loadConfigOrExit(BillingEnv, process.env));
 */
export function billingConfigOf(e: z.output<typeof BillingEnv>): BillingConfig {
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
    timeZones: { default: e.DEFAULT_TIME_ZONE, byDomain: e.DOMAIN_TIME_ZONES },
    auth: authSettingsOf(e),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}

/**
 * The zone of a domain, and every zone billed in (a period is over only when it is over in all).
 *
 * @example
 * const zones = billingTimeZones(config.timeZones);
 * zones.timeZoneOf("dom_a"); // "Europe/Stockholm"
 */
export function billingTimeZones(timeZones: BillingConfig["timeZones"]): {
  timeZoneOf: (domainId: string) => string;
  all: string[];
} {
  return {
    timeZoneOf: (domainId) =>
      Object.hasOwn(timeZones.byDomain, domainId)
        ? (timeZones.byDomain[domainId] ?? timeZones.default)
        : timeZones.default,
    all: [...new Set([timeZones.default, ...Object.values(timeZones.byDomain)])],
  };
}
