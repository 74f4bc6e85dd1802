import { readFileSync } from "node:fs";
import { envInt, loadConfig } from "@parakey-bridge/config";
import {
  type BridgeServiceConfig,
  BridgeServiceEnv,
  bridgeServiceConfigOf,
  ConsumerGroupId,
  defaultConsumerGroup,
  TopicNamesEnv,
} from "@parakey-bridge/kafka";
import { z } from "zod";
import { MIN_PSEUDONYM_KEY_BYTES } from "./pseudonym.js";

const emptyIsAbsent = (value: unknown) => (value === "" ? undefined : value);

const DoorStreamsOwnEnv = z
  .object({
    /** The consumer group; its input offsets are committed inside the stream's transactions. */
    KAFKA_GROUP_ID: ConsumerGroupId.default(defaultConsumerGroup("streams")),
    /** Transactional ids are `<prefix>-<input topic>-<partition>`; default: the group. */
    TRANSACTIONAL_ID_PREFIX: z.preprocess(emptyIsAbsent, z.string().min(1).max(180).optional()),
    TOPIC_EVENT_LOGS: TopicNamesEnv.shape.TOPIC_EVENT_LOGS,
    TOPIC_DOOR_EVENTS: TopicNamesEnv.shape.TOPIC_DOOR_EVENTS,
    TOPIC_DOOR_EVENTS_ANONYMOUS: TopicNamesEnv.shape.TOPIC_DOOR_EVENTS_ANONYMOUS,
    TOPIC_DOOR_EVENTS_STATE: TopicNamesEnv.shape.TOPIC_DOOR_EVENTS_STATE,
    /** Input records per transaction at most. */
    STREAM_MAX_CHUNK: envInt(2_000, { min: 1, max: 20_000 }),
    /** Input partitions processed in parallel, each in its own transactions. */
    STREAM_PARTITIONS_CONCURRENTLY: envInt(6, { min: 1, max: 64 }),
    /** The broker aborts a transaction a killed replica left open after this long (at most its transaction.max.timeout.ms). */
    TRANSACTION_TIMEOUT_MS: envInt(60_000, { min: 1_000, max: 900_000 }),
    CONSUMER_SESSION_TIMEOUT_MS: envInt(30_000, { min: 6_000, max: 300_000 }),
    /** The pseudonym key, read from a file (a Secret mounted as a volume). */
    PSEUDONYM_KEY_FILE: z.preprocess(emptyIsAbsent, z.string().min(1).optional()),
    /** The pseudonym key itself (the chart sets it from a Secret by secretKeyRef); the file wins when both are set. */
    PSEUDONYM_KEY: z.preprocess(emptyIsAbsent, z.string().min(1).optional()),
  })
  .transform((env, ctx) => {
    const key = pseudonymKeyOf(env, ctx);
    const { PSEUDONYM_KEY: _secret, ...rest } = env;
    return { ...rest, pseudonymKey: key };
  });

/** Reads the key once at start; a file that cannot be read or a short key is a config error. */
function pseudonymKeyOf(
  env: { PSEUDONYM_KEY_FILE?: string | undefined; PSEUDONYM_KEY?: string | undefined },
  ctx: z.RefinementCtx,
): Buffer {
  let key: Buffer | undefined;
  let path: "PSEUDONYM_KEY_FILE" | "PSEUDONYM_KEY" = "PSEUDONYM_KEY_FILE";
  if (env.PSEUDONYM_KEY_FILE !== undefined) {
    try {
      // A Secret created with `echo … | kubectl create secret` ends in a newline; it is not key material.
      key = Buffer.from(readFileSync(env.PSEUDONYM_KEY_FILE, "utf8").replace(/\r?\n$/, ""), "utf8");
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        path: [path],
        message: `cannot read the key file: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      });
      return Buffer.alloc(0);
    }
  } else if (env.PSEUDONYM_KEY !== undefined) {
    path = "PSEUDONYM_KEY";
    key = Buffer.from(env.PSEUDONYM_KEY, "utf8");
  }
  if (key === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["PSEUDONYM_KEY_FILE"],
      message: "the anonymous stream needs a pseudonym key: set PSEUDONYM_KEY_FILE (a mounted Secret)",
    });
    return Buffer.alloc(0);
  }
  if (key.length < MIN_PSEUDONYM_KEY_BYTES) {
    ctx.addIssue({
      code: "custom",
      path: [path],
      message: `the pseudonym key must be at least ${MIN_PSEUDONYM_KEY_BYTES} bytes (e.g. openssl rand -base64 48)`,
    });
  }
  return key;
}

/** The streams environment: Kafka connection, ports and logs, topic creation, its own settings. */
export const DoorStreamsEnv = z.intersection(BridgeServiceEnv, DoorStreamsOwnEnv);

/** What every service reads (streams serves no API: its `port` goes unused), and its own settings. */
export interface DoorStreamsConfig extends BridgeServiceConfig {
  group: string;
  transactionalIdPrefix: string;
  topics: { eventLogs: string; doorEvents: string; anonymous: string; state: string };
  stream: {
    maxChunkRecords: number;
    partitionsConcurrently: number;
    transactionTimeoutMs: number;
    sessionTimeoutMs: number;
  };
  /** Never logged. */
  pseudonymKey: Buffer;
}

/**
 * Reads the streams configuration from an environment map. Pure apart from reading
 * PSEUDONYM_KEY_FILE; throws `ConfigError` listing every problem.
 *
 * @example
 * const config = loadDoorStreamsConfig({ KAFKA_BROKERS: "127.0.0.1:9092", PSEUDONYM_KEY_FILE: "/secrets/pseudonym-key" });
 */
export function loadDoorStreamsConfig(env: Record<string, string | undefined>): DoorStreamsConfig {
  const e = loadConfig(DoorStreamsEnv, env);
  return {
    ...bridgeServiceConfigOf(e),
    group: e.KAFKA_GROUP_ID,
    transactionalIdPrefix: e.TRANSACTIONAL_ID_PREFIX ?? e.KAFKA_GROUP_ID,
    topics: {
      eventLogs: e.TOPIC_EVENT_LOGS,
      doorEvents: e.TOPIC_DOOR_EVENTS,
      anonymous: e.TOPIC_DOOR_EVENTS_ANONYMOUS,
      state: e.TOPIC_DOOR_EVENTS_STATE,
    },
    stream: {
      maxChunkRecords: e.STREAM_MAX_CHUNK,
      partitionsConcurrently: e.STREAM_PARTITIONS_CONCURRENTLY,
      transactionTimeoutMs: e.TRANSACTION_TIMEOUT_MS,
      sessionTimeoutMs: e.CONSUMER_SESSION_TIMEOUT_MS,
    },
    pseudonymKey: e.pseudonymKey,
  };
}
