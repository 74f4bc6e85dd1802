import { ApiAuthEnv, type AuthSettings, authSettingsOf } from "@parakey-bridge/auth";
import { ConfigError, envBoolean, envInt, envList, envMap, loadConfig } from "@parakey-bridge/config";
import {
  type BridgeServiceConfig,
  BridgeServiceEnv,
  bridgeServiceConfigOf,
  TopicNamesEnv,
} from "@parakey-bridge/kafka";
import { z } from "zod";

const emptyIsAbsent = (value: unknown) => (value === "" ? undefined : value);
const optionalUrl = z.preprocess(emptyIsAbsent, z.url({ error: "expected a postgres:// URL" }).optional());
const schemaName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "lower-case letters, digits, _");

/** An IANA zone name the runtime knows (Intl throws RangeError for others). */
const IanaZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, "not an IANA time zone");

const ConsoleOwnEnv = z.object({
  /** Default for the three sinks' databases; each can be overridden. */
  DATABASE_URL: optionalUrl,
  AUDIT_DATABASE_URL: optionalUrl,
  BILLING_DATABASE_URL: optionalUrl,
  CHECKIN_DATABASE_URL: optionalUrl,
  AUDIT_DATABASE_SCHEMA: schemaName.default("audit"),
  BILLING_DATABASE_SCHEMA: schemaName.default("billing"),
  CHECKIN_DATABASE_SCHEMA: schemaName.default("checkin"),
  PARAKEY_API_URL: z.url().default("https://api.parakey.co"),
  /** `integration=token`, as the ingress reads it; every integration's event logs are reconciled. */
  PARAKEY_API_TOKENS: envMap(z.string().min(1)),
  TOPIC_EVENT_LOGS: TopicNamesEnv.shape.TOPIC_EVENT_LOGS,
  TOPIC_REJECTED: TopicNamesEnv.shape.TOPIC_REJECTED,
  TOPIC_POLLER_STATE: TopicNamesEnv.shape.TOPIC_POLLER_STATE,
  /** The consumer groups whose dead letters the event path and the console show. */
  KAFKA_GROUP_IDS: envList(["parakey-bridge-checkin", "parakey-bridge-billing", "parakey-bridge-audit"]),
  /** Domains the console knows besides those already in the audit store. */
  DOMAINS: envList([]),
  DEFAULT_TIME_ZONE: IanaZone.default("UTC"),
  DOMAIN_TIME_ZONES: envMap(IanaZone),
  /** How long after its day an event may still be uploaded by an offline lock (read that much further). */
  RECONCILE_MAX_UPLOAD_DELAY_HOURS: envInt(72, { min: 0, max: 24 * 90 }),
  /** Lock clocks run early or late: the topic is read from this much before a range. */
  RECONCILE_CLOCK_SKEW_MINUTES: envInt(60, { min: 0, max: 24 * 60 }),
  /** Reconcile yesterday on a timer (the chart turns it on with `console.schedule.enabled`). */
  RECONCILE_SCHEDULE_ENABLED: envBoolean(false),
  RECONCILE_SCHEDULE_INTERVAL_MS: envInt(3_600_000, { min: 60_000 }),
  /** Signs the console's session cookies (a Secret, 32+ characters); random per process when unset. */
  CONSOLE_SESSION_SECRET: z.preprocess(emptyIsAbsent, z.string().min(32).optional()),
  /** Mark the session cookie Secure (the console is served over HTTPS, e.g. behind an ingress). */
  CONSOLE_SECURE_COOKIE: envBoolean(false),
});

/** The console's environment: ports, Kafka, the sinks' databases, Parakey, and API authentication. */
export const ConsoleEnv = z.intersection(z.intersection(BridgeServiceEnv, ConsoleOwnEnv), ApiAuthEnv);

export interface SinkDatabase {
  url: string;
  schema: string;
}

/** What every service reads (the console creates no topics: `ensureTopics` goes unused), and its own settings. */
export interface ConsoleConfig extends BridgeServiceConfig {
  databases: { audit: SinkDatabase; billing: SinkDatabase; checkin: SinkDatabase };
  parakey: { baseUrl: string; tokens: Record<string, string> };
  topics: { eventLogs: string; rejected: string; pollerState: string };
  groups: string[];
  domains: string[];
  timeZones: { default: string; byDomain: Record<string, string> };
  maxUploadDelayMs: number;
  clockSkewMs: number;
  schedule: { enabled: boolean; intervalMs: number };
  session: { secret: string | undefined; secureCookie: boolean };
  auth: AuthSettings;
}

/**
 * Reads the console's configuration. Pure; throws `ConfigError` listing every problem.
 *
 * @example
 * const config = loadConsoleConfig({ DATABASE_URL: "postgres://…", PARAKEY_API_TOKENS: "demo=…", AUTH_DISABLED: "true" });
 */
export function loadConsoleConfig(env: Record<string, string | undefined>): ConsoleConfig {
  const e = loadConfig(ConsoleEnv, env);
  const sink = (url: string | undefined, schema: string, name: string): SinkDatabase => {
    const chosen = url ?? e.DATABASE_URL;
    if (chosen === undefined) {
      throw new ConfigError([`${name.toUpperCase()}_DATABASE_URL or DATABASE_URL is required`]);
    }
    return { url: chosen, schema };
  };
  return {
    ...bridgeServiceConfigOf(e),
    databases: {
      audit: sink(e.AUDIT_DATABASE_URL, e.AUDIT_DATABASE_SCHEMA, "audit"),
      billing: sink(e.BILLING_DATABASE_URL, e.BILLING_DATABASE_SCHEMA, "billing"),
      checkin: sink(e.CHECKIN_DATABASE_URL, e.CHECKIN_DATABASE_SCHEMA, "checkin"),
    },
    parakey: { baseUrl: e.PARAKEY_API_URL, tokens: e.PARAKEY_API_TOKENS },
    topics: { eventLogs: e.TOPIC_EVENT_LOGS, rejected: e.TOPIC_REJECTED, pollerState: e.TOPIC_POLLER_STATE },
    groups: e.KAFKA_GROUP_IDS,
    domains: e.DOMAINS,
    timeZones: { default: e.DEFAULT_TIME_ZONE, byDomain: e.DOMAIN_TIME_ZONES },
    maxUploadDelayMs: e.RECONCILE_MAX_UPLOAD_DELAY_HOURS * 3_600_000,
    clockSkewMs: e.RECONCILE_CLOCK_SKEW_MINUTES * 60_000,
    schedule: { enabled: e.RECONCILE_SCHEDULE_ENABLED, intervalMs: e.RECONCILE_SCHEDULE_INTERVAL_MS },
    session: { secret: e.CONSOLE_SESSION_SECRET, secureCookie: e.CONSOLE_SECURE_COOKIE },
    auth: authSettingsOf(e),
  };
}
