import { envBoolean, envInt, envMap, envUrl } from "@parakey-bridge/config";
import { parseInstant } from "@parakey-bridge/contracts";
import { TopicNamesEnv } from "@parakey-bridge/kafka";
import { PARAKEY_API_URL } from "@parakey-bridge/parakey-client";
import { z } from "zod";

/** Parakey: "we do not recommend an interval of less than 60 sec". Production config never goes below. */
export const MIN_POLL_INTERVAL_MS = 60_000;

const MINUTE = 60_000;

/**
 * An integration name: it names a consumer group, a checkpoint key and a metric label, so it is
 * short and plain (the set is what the operator configures, so the label stays bounded).
 */
const integrationName = /^[a-z0-9][a-z0-9._-]{0,62}$/;

const isoInstant = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    const instant = parseInstant(raw);
    if (instant === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "expected an ISO-8601 instant with a zone, e.g. 2026-11-01T00:00:00Z",
      });
      return z.NEVER;
    }
    return instant;
  });

/** The environment of the Parakey poller and the backfill command (merged into the ingress env). */
export const PollerEnv = z
  .object({
    POLLER_ENABLED: envBoolean(false),
    PARAKEY_API_URL: envUrl().default(PARAKEY_API_URL),
    /** `name=token,name2=token2`: one poller per Parakey integration. */
    PARAKEY_API_TOKENS: envMap(z.string().min(1, "empty token")),
    POLL_INTERVAL_MS: envInt(5 * MINUTE, { min: MIN_POLL_INTERVAL_MS, max: 24 * 60 * MINUTE }),
    /** Up to this much is added to each interval, so replicas of many deployments do not poll in step. */
    POLL_JITTER_MS: envInt(30_000, { min: 0, max: 10 * MINUTE }),
    POLL_OVERLAP_MS: envInt(5 * MINUTE, { min: 0, max: 24 * 60 * MINUTE }),
    POLL_START_DATE: isoInstant.optional(),
    POLL_PAGE_SIZE: envInt(100, { min: 1, max: 1_000 }),
    POLL_GAP_WINDOW_MS: envInt(30 * MINUTE, { min: 0 }),
    POLL_SESSION_TIMEOUT_MS: envInt(30_000, { min: 6_000, max: 300_000 }),
    PARAKEY_REQUEST_TIMEOUT_MS: envInt(10_000, { min: 1_000, max: 120_000 }),
    TOPIC_POLLER_STATE: TopicNamesEnv.shape.TOPIC_POLLER_STATE,
    /** Leadership group of an integration: this + its name. Per release, so two releases never share an election. */
    POLLER_GROUP_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9._-]+$/)
      .default("parakey-bridge-poller-"),
  })
  .superRefine((env, ctx) => {
    for (const name of Object.keys(env.PARAKEY_API_TOKENS)) {
      if (!integrationName.test(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["PARAKEY_API_TOKENS"],
          message: `integration name "${name}" must match ${integrationName} (it names a consumer group and a metric label)`,
        });
      }
    }
    if (env.POLLER_ENABLED && Object.keys(env.PARAKEY_API_TOKENS).length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["PARAKEY_API_TOKENS"],
        message: "required with POLLER_ENABLED=true: name=token for each Parakey integration",
      });
    }
  });

export interface ParakeyIntegration {
  name: string;
  /** The Parakey API access token. Never logged. */
  token: string;
}

export interface PollerConfig {
  enabled: boolean;
  apiUrl: string;
  integrations: ParakeyIntegration[];
  intervalMs: number;
  jitterMs: number;
  /** Read from the high-water mark minus this: covers in-flight events and Parakey's clock stepping back. */
  overlapMs: number;
  /** Where the first poll of an integration without a checkpoint starts; default now − overlap. */
  startDate: Date | undefined;
  pageSize: number;
  /** An event the webhook did not bring within this long after `createdAt` counts as recovered. */
  gapWindowMs: number;
  /** How long a silent replica keeps the poller lead. */
  sessionTimeoutMs: number;
  requestTimeoutMs: number;
  /** Compacted; one checkpoint per key. */
  stateTopic: string;
  groupPrefix: string;
}

/**
 * The poller part of a validated environment.
 *
 * @example
 * const poller = pollerConfigOf(PollerEnv.parse({ POLLER_ENABLED: "true", PARAKEY_API_TOKENS: "acme=…" }));
 */
export function pollerConfigOf(e: z.output<typeof PollerEnv>): PollerConfig {
  return {
    enabled: e.POLLER_ENABLED,
    apiUrl: e.PARAKEY_API_URL,
    integrations: Object.entries(e.PARAKEY_API_TOKENS).map(([name, token]) => ({ name, token })),
    intervalMs: e.POLL_INTERVAL_MS,
    jitterMs: e.POLL_JITTER_MS,
    overlapMs: e.POLL_OVERLAP_MS,
    startDate: e.POLL_START_DATE,
    pageSize: e.POLL_PAGE_SIZE,
    gapWindowMs: e.POLL_GAP_WINDOW_MS,
    sessionTimeoutMs: e.POLL_SESSION_TIMEOUT_MS,
    requestTimeoutMs: e.PARAKEY_REQUEST_TIMEOUT_MS,
    stateTopic: e.TOPIC_POLLER_STATE,
    groupPrefix: e.POLLER_GROUP_PREFIX,
  };
}
