import { ConfigError, loadConfig } from "@parakey-bridge/config";
import { deadLetterTopic } from "@parakey-bridge/contracts";
import { consumerGroupTopicSpecs, redriveTopic, topicDefaultsOf } from "@parakey-bridge/kafka";
import { describe, expect, it } from "vitest";
import { consumerServiceEnv, consumerSettingsOf } from "./env.js";

const issuesOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(consumerServiceEnv("billing"), env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
};

describe("consumerServiceEnv", () => {
  it("joins parakey-bridge-<service>, the group the Helm chart names, so dead letters land on one topic", () => {
    const env = loadConfig(consumerServiceEnv("billing"), {});
    expect(consumerSettingsOf(env)).toEqual({
      group: "parakey-bridge-billing",
      maxBatchRecords: 500,
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 3_000,
    });
    expect(deadLetterTopic(consumerSettingsOf(env).group)).toBe(
      "parakey.event-logs.v1.parakey-bridge-billing.dlq",
    );
    expect(env.TOPIC_EVENT_LOGS).toBe("parakey.event-logs.v1");
    expect(topicDefaultsOf(env)).toEqual({ partitions: 6, replicationFactor: 1, retentionMs: 604_800_000 });
    expect(topicDefaultsOf(loadConfig(consumerServiceEnv("billing"), { ENSURE_TOPICS: "false" }))).toBe(
      false,
    );
  });

  it("heartbeats at a third of a short session timeout unless told otherwise, and refuses a slower heartbeat", () => {
    const settings = (env: Record<string, string>) =>
      consumerSettingsOf(loadConfig(consumerServiceEnv("audit"), env));
    expect(settings({ CONSUMER_SESSION_TIMEOUT_MS: "6000" }).heartbeatIntervalMs).toBe(2_000);
    expect(
      settings({ CONSUMER_SESSION_TIMEOUT_MS: "6000", CONSUMER_HEARTBEAT_INTERVAL_MS: "500" }),
    ).toMatchObject({
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
    });
    expect(issuesOf({ CONSUMER_SESSION_TIMEOUT_MS: "6000", CONSUMER_HEARTBEAT_INTERVAL_MS: "2500" })).toEqual(
      ["CONSUMER_HEARTBEAT_INTERVAL_MS: must be at most a third of CONSUMER_SESSION_TIMEOUT_MS"],
    );
  });

  it("refuses a group id that cannot name the group's dead-letter and redrive topics", () => {
    expect(issuesOf({ KAFKA_GROUP_ID: "billing eu" })).toEqual([expect.stringMatching(/^KAFKA_GROUP_ID: /)]);
    const longest = "g".repeat(249 - redriveTopic("").length);
    expect(issuesOf({ KAFKA_GROUP_ID: longest })).toEqual([]);
    expect(redriveTopic(longest)).toHaveLength(249);
    expect(issuesOf({ KAFKA_GROUP_ID: `${longest}g` })).toEqual([
      expect.stringMatching(/^KAFKA_GROUP_ID: too long/),
    ]);
  });

  it("reports problems of every part at once (Kafka, service, database, consumer)", () => {
    const issues = issuesOf({
      KAFKA_BROKERS: "kafka",
      SHUTDOWN_GRACE_MS: "0",
      DATABASE_URL: "not a url",
      CONSUMER_SESSION_TIMEOUT_MS: "6000",
      CONSUMER_HEARTBEAT_INTERVAL_MS: "3000",
    });
    expect(issues.map((issue) => issue.split(":")[0]).sort()).toEqual(
      ["CONSUMER_HEARTBEAT_INTERVAL_MS", "DATABASE_URL", "KAFKA_BROKERS.0", "SHUTDOWN_GRACE_MS"].sort(),
    );
  });
});

describe("consumerGroupTopicSpecs", () => {
  it("names the group's dead-letter and redrive topics as the consumer runtime uses them", () => {
    const specs = consumerGroupTopicSpecs("parakey-bridge-audit", { replicationFactor: 3 });
    expect(specs.map((spec) => spec.topic)).toEqual([
      deadLetterTopic("parakey-bridge-audit"),
      redriveTopic("parakey-bridge-audit"),
    ]);
    expect(specs.map((spec) => spec.topic)).toEqual([
      "parakey.event-logs.v1.parakey-bridge-audit.dlq",
      "parakey.event-logs.v1.parakey-bridge-audit.redrive",
    ]);
    for (const spec of specs) {
      expect(spec).toMatchObject({ partitions: 1, replicationFactor: 3 });
      expect(spec.config).toEqual({
        "retention.ms": String(30 * 24 * 3600 * 1000),
        "min.insync.replicas": "2",
      });
    }
  });
});
