import { envBoolean, envInt, envList, loadConfig } from "@parakey-bridge/config";
import {
  type BridgeServiceConfig,
  BridgeServiceEnv,
  bridgeServiceConfigOf,
  TopicNamesEnv,
} from "@parakey-bridge/kafka";
import { z } from "zod";
import { type PollerConfig, PollerEnv, pollerConfigOf } from "./poller/config.js";

/**
 * Parakey gives a webhook 15 s to answer 2xx. The produce budget is capped well below that, so the
 * time to read the body and the network still fit and a slow broker turns into our 503 (retried by
 * Parakey), never into Parakey's own timeout after we may already have stored the event.
 */
export const MAX_PRODUCE_BUDGET_MS = 12_000;

/** Secrets and passwords shorter than this are refused: they travel in a header on every delivery. */
export const MIN_SECRET_LENGTH = 16;

const headerName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[!#$%&'*+.^_`|~0-9a-z-]+$/, "expected an HTTP header name, e.g. x-parakey-secret")
  .refine((name) => name !== "authorization", {
    message: "use WEBHOOK_BASIC_AUTH for the Authorization header",
  });

/** `user:password` pairs; the password may itself contain colons. */
const basicCredentials = envList([]).pipe(
  z.array(
    z
      .string()
      .regex(/^[^:]+:.+$/, "expected user:password")
      .transform((pair) => {
        const colon = pair.indexOf(":");
        return { user: pair.slice(0, colon), password: pair.slice(colon + 1) };
      })
      .refine((c) => c.password.length >= MIN_SECRET_LENGTH, {
        message: `every password needs at least ${MIN_SECRET_LENGTH} characters`,
      }),
  ),
);

const IngressOwnEnv = TopicNamesEnv.pick({ TOPIC_EVENT_LOGS: true, TOPIC_REJECTED: true }).extend({
  WEBHOOK_PATH: z
    .string()
    .regex(/^\/[\w\-./]*$/, "expected a path starting with /")
    .default("/webhooks/parakey"),
  WEBHOOK_BODY_LIMIT_BYTES: envInt(256 * 1024, { min: 1024, max: 16 * 1024 * 1024 }),
  WEBHOOK_BASIC_AUTH: basicCredentials,
  WEBHOOK_SECRET_HEADER: headerName.optional(),
  WEBHOOK_SECRETS: envList([]).pipe(
    z.array(z.string().min(MIN_SECRET_LENGTH, `every secret needs at least ${MIN_SECRET_LENGTH} characters`)),
  ),
  WEBHOOK_INSECURE_NO_AUTH: envBoolean(false),
  RETRY_AFTER_SECONDS: envInt(30, { min: 1, max: 3600 }),
  /** Deliveries per minute and credential (429 with Retry-After beyond it; Parakey retries); 0 = off. */
  WEBHOOK_RATE_LIMIT_PER_MINUTE: envInt(6_000, { min: 0, max: 1_000_000 }),

  PRODUCE_TIMEOUT_MS: envInt(5_000, { min: 100, max: MAX_PRODUCE_BUDGET_MS }),
  PRODUCE_LINGER_MS: envInt(2, { min: 0, max: 100 }),
  PRODUCE_MAX_BATCH: envInt(500, { min: 1, max: 10_000 }),
  PRODUCE_COMPRESSION: z.enum(["none", "gzip"]).default("none"),

  DEDUPE_CACHE_MAX: envInt(100_000, { min: 1, max: 10_000_000 }),
  DEDUPE_CACHE_TTL_MS: envInt(3_600_000, { min: 1_000 }),

  ALLOWED_DOMAIN_IDS: envList([]),
  ALLOWED_DEVICE_IDS: envList([]),
});

/**
 * The ingress environment: what every service reads (`BridgeServiceEnv`), the webhook's and the
 * poller's settings. Credentials are checked as a whole: a secret without its header name (or
 * the reverse) is a mistake, and starting with no credential at all needs an explicit opt-in.
 */
export const IngressEnv = z
  .intersection(z.intersection(BridgeServiceEnv, IngressOwnEnv), PollerEnv)
  .superRefine((env, ctx) => {
    if (env.WEBHOOK_SECRETS.length > 0 && !env.WEBHOOK_SECRET_HEADER) {
      ctx.addIssue({
        code: "custom",
        path: ["WEBHOOK_SECRET_HEADER"],
        message: "required with WEBHOOK_SECRETS (the header Parakey sends the secret in)",
      });
    }
    if (env.WEBHOOK_SECRET_HEADER && env.WEBHOOK_SECRETS.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["WEBHOOK_SECRETS"],
        message: "required with WEBHOOK_SECRET_HEADER",
      });
    }
    const anyCredential = env.WEBHOOK_BASIC_AUTH.length > 0 || env.WEBHOOK_SECRETS.length > 0;
    if (!anyCredential && !env.WEBHOOK_INSECURE_NO_AUTH) {
      ctx.addIssue({
        code: "custom",
        path: ["WEBHOOK_BASIC_AUTH"],
        message:
          "no webhook credential configured: set WEBHOOK_BASIC_AUTH and/or WEBHOOK_SECRET_HEADER + WEBHOOK_SECRETS " +
          "(or WEBHOOK_INSECURE_NO_AUTH=true for local development only)",
      });
    }
    if (env.SHUTDOWN_GRACE_MS < env.PRODUCE_TIMEOUT_MS + 2_000) {
      ctx.addIssue({
        code: "custom",
        path: ["SHUTDOWN_GRACE_MS"],
        message: "must exceed PRODUCE_TIMEOUT_MS by at least 2000 so in-flight requests can finish",
      });
    }
  });

export interface BasicCredential {
  user: string;
  password: string;
}

export interface AuthConfig {
  basic: BasicCredential[];
  /** Lower-case header name carrying a shared secret. */
  secretHeader: string | undefined;
  secrets: string[];
  /** No credential required (development only; logged as a warning at start). */
  insecureNoAuth: boolean;
}

/** What the HTTP app needs to know (a subset of the whole config, so tests build it by hand). */
export interface WebhookConfig {
  path: string;
  bodyLimitBytes: number;
  /** Seconds announced in `Retry-After` on 503. */
  retryAfterSeconds: number;
  /** Deliveries per minute and sender (credential); undefined or 0 = unlimited. */
  rateLimitPerMinute?: number;
  auth: AuthConfig;
  topics: { eventLogs: string; rejected: string };
  /** Empty list = every id allowed. */
  allowlist: { domainIds: string[]; deviceIds: string[] };
}

export interface IngressConfig extends BridgeServiceConfig {
  webhook: WebhookConfig;
  producer: {
    timeoutMs: number;
    lingerMs: number;
    maxBatchRecords: number;
    compression: "none" | "gzip";
  };
  dedupe: { max: number; ttlMs: number };
  /** The Parakey poller (off unless POLLER_ENABLED) and the backfill command. */
  poller: PollerConfig;
}

/**
 * How the ingress's producer batches and bounds each send (`PRODUCE_*`): the same for the service's
 * producer and the backfill command's.
 *
 * @example
 * const producer = new BatchingProducer(kafka, { log, registry, ...producerOptionsOf(config.producer) });
 */
export function producerOptionsOf(producer: IngressConfig["producer"]) {
  return {
    lingerMs: producer.lingerMs,
    maxBatchRecords: producer.maxBatchRecords,
    sendTimeoutMs: producer.timeoutMs,
    compression: producer.compression,
  };
}

/**
 * Reads the ingress configuration from an environment map. Pure; throws `ConfigError` listing every
 * problem (main prints them and exits 1).
 *
 * @example
 * const config = loadIngressConfig({ WEBHOOK_SECRET_HEADER: "x-parakey-secret", WEBHOOK_SECRETS: "…" });
 */
export function loadIngressConfig(env: Record<string, string | undefined>): IngressConfig {
  const e = loadConfig(IngressEnv, env);
  return {
    ...bridgeServiceConfigOf(e),
    webhook: {
      path: e.WEBHOOK_PATH,
      bodyLimitBytes: e.WEBHOOK_BODY_LIMIT_BYTES,
      retryAfterSeconds: e.RETRY_AFTER_SECONDS,
      rateLimitPerMinute: e.WEBHOOK_RATE_LIMIT_PER_MINUTE,
      auth: {
        basic: e.WEBHOOK_BASIC_AUTH,
        secretHeader: e.WEBHOOK_SECRET_HEADER,
        secrets: e.WEBHOOK_SECRETS,
        insecureNoAuth: e.WEBHOOK_INSECURE_NO_AUTH,
      },
      topics: { eventLogs: e.TOPIC_EVENT_LOGS, rejected: e.TOPIC_REJECTED },
      allowlist: { domainIds: e.ALLOWED_DOMAIN_IDS, deviceIds: e.ALLOWED_DEVICE_IDS },
    },
    producer: {
      timeoutMs: e.PRODUCE_TIMEOUT_MS,
      lingerMs: e.PRODUCE_LINGER_MS,
      maxBatchRecords: e.PRODUCE_MAX_BATCH,
      compression: e.PRODUCE_COMPRESSION,
    },
    dedupe: { max: e.DEDUPE_CACHE_MAX, ttlMs: e.DEDUPE_CACHE_TTL_MS },
    poller: pollerConfigOf(e),
  };
}
