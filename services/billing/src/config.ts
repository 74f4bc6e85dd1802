import { configLoader, envMap } from "@parakey-bridge/config";
import {
  ConcurrentConsumerEnv,
  type ConsumerServiceConfig,
  consumerApiEnv,
  consumerServiceConfigOf,
} from "@parakey-bridge/consumer-service";
import { IanaTimeZone } from "@parakey-bridge/contracts";
import type { z } from "zod";

const BillingOwnEnv = ConcurrentConsumerEnv.extend({
  /** The zone of domains not named in DOMAIN_TIME_ZONES. */
  DEFAULT_TIME_ZONE: IanaTimeZone.default("UTC"),
  /** `dom_a=Europe/Stockholm,dom_b=America/New_York`: the zone that decides each domain's months. */
  DOMAIN_TIME_ZONES: envMap(IanaTimeZone),
});

/**
 * The billing service's environment: what every consumer service reads, its own settings, and how
 * its API authenticates (`ApiAuthEnv`).
 */
export const BillingEnv = consumerApiEnv("billing", BillingOwnEnv);

export interface BillingConfig extends ConsumerServiceConfig {
  timeZones: { default: string; byDomain: Readonly<Record<string, string>> };
}

/**
 * Reads the billing service's configuration from an environment map. Pure; throws `ConfigError`
 * listing every problem (an unknown time zone is named with its domain).
 *
 * @example
 * const config = loadBillingConfig({ DOMAIN_TIME_ZONES: "dom_a=Europe/Stockholm" });
 */
export const loadBillingConfig = configLoader(BillingEnv, billingConfigOf);

/** The configuration of an environment already parsed with `BillingEnv`. */
export function billingConfigOf(e: z.output<typeof BillingEnv>): BillingConfig {
  return {
    ...consumerServiceConfigOf(e, { concurrency: e.CONSUMER_CONCURRENCY }),
    timeZones: { default: e.DEFAULT_TIME_ZONE, byDomain: e.DOMAIN_TIME_ZONES },
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
