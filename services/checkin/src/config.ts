import { configLoader, envInt, envMap } from "@parakey-bridge/config";
import {
  ConcurrentConsumerEnv,
  type ConsumerServiceConfig,
  consumerApiEnv,
  consumerServiceConfigOf,
} from "@parakey-bridge/consumer-service";
import { IanaTimeZone } from "@parakey-bridge/contracts";
import { TopicNamesEnv } from "@parakey-bridge/kafka";
import { z } from "zod";
import type { DomainSettingsConfig } from "./domain-settings.js";

// CONSUMER_CONCURRENCY: each partition's batch is one transaction with that partition's offset, and
// rows are locked in key order, so partitions can be stored in parallel like billing's and audit's.
const CheckInOwnEnv = TopicNamesEnv.pick({ TOPIC_CHECKINS: true }).extend({
  ...ConcurrentConsumerEnv.shape,
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
export const CheckInEnv = consumerApiEnv("checkin", CheckInOwnEnv);

export interface CheckInConfig extends ConsumerServiceConfig {
  topics: { eventLogs: string; checkIns: string };
  domains: DomainSettingsConfig;
  outbox: { pollIntervalMs: number; batch: number; produceTimeoutMs: number };
}

/**
 * Reads the check-in service's configuration from an environment map. Pure; throws `ConfigError`
 * listing every problem (an unknown time zone is named with its domain).
 *
 * @example
 * const config = loadCheckInConfig({ DOMAIN_TIME_ZONES: "dom_a=Europe/Stockholm", LIVE_WINDOW_MS: "600000" });
 */
export const loadCheckInConfig = configLoader(CheckInEnv, checkInConfigOf);

/** The configuration of an environment already parsed with `CheckInEnv`. */
export function checkInConfigOf(e: z.output<typeof CheckInEnv>): CheckInConfig {
  return {
    ...consumerServiceConfigOf(e, { concurrency: e.CONSUMER_CONCURRENCY }),
    topics: { eventLogs: e.TOPIC_EVENT_LOGS, checkIns: e.TOPIC_CHECKINS },
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
  };
}
