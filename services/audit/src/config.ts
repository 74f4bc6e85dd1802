import { configLoader, envInt } from "@parakey-bridge/config";
import {
  ConcurrentConsumerEnv,
  type ConsumerServiceConfig,
  consumerApiEnv,
  consumerServiceConfigOf,
} from "@parakey-bridge/consumer-service";
import type { z } from "zod";

const AuditOwnEnv = ConcurrentConsumerEnv.extend({
  /** Personal data is erased this many days after the event (Parakey's default retention is 90). */
  AUDIT_RETENTION_DAYS: envInt(90, { min: 1 }),
  AUDIT_ERASURE_INTERVAL_MS: envInt(3_600_000, { min: 1_000 }),
});

/**
 * The audit service's environment: what every consumer service reads, its own settings, and how its
 * API authenticates (`ApiAuthEnv`).
 */
export const AuditEnv = consumerApiEnv("audit", AuditOwnEnv);

export interface AuditConfig extends ConsumerServiceConfig {
  erasure: { retentionDays: number; intervalMs: number };
}

/**
 * Reads the audit service's configuration from an environment map. Pure; throws `ConfigError`
 * listing every problem (tests pass objects).
 *
 * @example
 * const config = loadAuditConfig({ KAFKA_BROKERS: "127.0.0.1:9092", AUDIT_RETENTION_DAYS: "30" });
 */
export const loadAuditConfig = configLoader(AuditEnv, auditConfigOf);

/** The configuration of an environment already parsed with `AuditEnv`. */
export function auditConfigOf(e: z.output<typeof AuditEnv>): AuditConfig {
  return {
    ...consumerServiceConfigOf(e, { concurrency: e.CONSUMER_CONCURRENCY }),
    erasure: { retentionDays: e.AUDIT_RETENTION_DAYS, intervalMs: e.AUDIT_ERASURE_INTERVAL_MS },
  };
}
