import { envBoolean, envInt } from "@parakey-bridge/config";
import { Topics } from "@parakey-bridge/contracts";
import { z } from "zod";
import { redriveTopic } from "./consumer/topics.js";
import type { TopicDefaults } from "./topic-admin.js";

/**
 * The consumer group of a service when KAFKA_GROUP_ID is not set: the same name the Helm chart
 * gives it, so a local run and a cluster share dead-letter topic names
 * (`parakey.event-logs.v1.parakey-bridge-audit.dlq`).
 *
 * @example
 * defaultConsumerGroup("audit"); // "parakey-bridge-audit"
 */
export function defaultConsumerGroup(service: string): string {
  return `parakey-bridge-${service}`;
}

/** Kafka topic names allow at most 249 of these characters. */
const MAX_TOPIC_NAME = 249;

/**
 * A consumer group id. It also names the group's dead-letter and redrive topics, so it must be
 * legal inside a topic name, and short enough that the longer of the two still is.
 */
export const ConsumerGroupId = z
  .string()
  .regex(/^[a-zA-Z0-9._-]+$/, "letters, digits, '.', '_' and '-' only (it names the group's topics)")
  .max(MAX_TOPIC_NAME - redriveTopic("").length, "too long to name the group's redrive topic");

/**
 * Topic settings every service that may create topics at start reads (and the `topics ensure` CLI,
 * without ENSURE_TOPICS). Production turns ENSURE_TOPICS off and lets the chart's Job create them.
 */
export const TopicEnv = z.object({
  ENSURE_TOPICS: envBoolean(true),
  TOPIC_PARTITIONS: envInt(6, { min: 1 }),
  TOPIC_REPLICATION_FACTOR: envInt(1, { min: 1 }),
  TOPIC_RETENTION_MS: envInt(7 * 24 * 3600 * 1000, { min: -1 }),
});

/**
 * The settings topics are created with at start, or `false` when ENSURE_TOPICS is off.
 *
 * @example
 * const defaults = topicDefaultsOf(loadConfig(TopicEnv, { ENSURE_TOPICS: "true" })); // { partitions: 6, … }
 */
export function topicDefaultsOf(env: z.output<typeof TopicEnv>): TopicDefaults | false {
  return env.ENSURE_TOPICS
    ? {
        partitions: env.TOPIC_PARTITIONS,
        replicationFactor: env.TOPIC_REPLICATION_FACTOR,
        retentionMs: env.TOPIC_RETENTION_MS,
      }
    : false;
}

/** One of the bridge's topics, by its key in `Topics`. */
export type TopicKey = keyof typeof Topics;

/** The name each of the bridge's topics has in this deployment. */
export type TopicNames = Record<TopicKey, string>;

const name = (standard: string) => z.string().min(1).default(standard);

/**
 * The one place the bridge's topic names come from: the variable that renames each topic, with the
 * contract's name as default. The services read the ones they use (`TopicNamesEnv.pick(…)`), the
 * `topics ensure` CLI reads them all, and the chart sets the same variables for both, so a renamed
 * topic is the one that gets created.
 */
export const TopicNamesEnv = z.object({
  TOPIC_EVENT_LOGS: name(Topics.eventLogs),
  TOPIC_REJECTED: name(Topics.rejected),
  TOPIC_CHECKINS: name(Topics.checkins),
  TOPIC_DOOR_EVENTS: name(Topics.doorEvents),
  TOPIC_DOOR_EVENTS_ANONYMOUS: name(Topics.doorEventsAnonymous),
  TOPIC_DOOR_EVENTS_STATE: name(Topics.doorEventsSeen),
  TOPIC_POLLER_STATE: name(Topics.pollerState),
});

/** The variable of each topic, so code that has a `TopicKey` finds what renames it. */
const variableOf = {
  eventLogs: "TOPIC_EVENT_LOGS",
  rejected: "TOPIC_REJECTED",
  checkins: "TOPIC_CHECKINS",
  doorEvents: "TOPIC_DOOR_EVENTS",
  doorEventsAnonymous: "TOPIC_DOOR_EVENTS_ANONYMOUS",
  doorEventsSeen: "TOPIC_DOOR_EVENTS_STATE",
  pollerState: "TOPIC_POLLER_STATE",
} as const satisfies Record<TopicKey, keyof z.output<typeof TopicNamesEnv>>;

/**
 * Every topic's name in a parsed `TopicNamesEnv`. `prefix` goes before each name left at its
 * default (the chart's `kafka.names.topics`); a name set explicitly is taken as it is.
 *
 * @example
 * topicNamesOf(loadConfig(TopicNamesEnv, { TOPIC_EVENT_LOGS: "events.v1" })).eventLogs; // "events.v1"
 */
export function topicNamesOf(env: z.output<typeof TopicNamesEnv>, prefix = ""): TopicNames {
  const names = {} as TopicNames;
  for (const key of Object.keys(variableOf) as TopicKey[]) {
    const configured = env[variableOf[key]];
    names[key] = configured === Topics[key] ? `${prefix}${configured}` : configured;
  }
  return names;
}
