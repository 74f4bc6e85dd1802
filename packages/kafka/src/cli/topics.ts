#!/usr/bin/env node
import { loadConfigOrExit } from "@parakey-bridge/config";
import { createLogger } from "@parakey-bridge/telemetry";
import { createKafka } from "../client.js";
import { kafkaConnectionFromEnv } from "../config.js";
import { bridgeTopicSpecs, consumerGroupTopicSpecs, ensureTopics } from "../topic-admin.js";
import { TopicsCliEnv } from "./topics-env.js";

// `topics ensure`: creates every topic the services need before they start (the Helm pre-install
// hook, the compose `topics` service and scripts/start.sh): the bridge's topics, and the dead-letter
// and redrive topics of each consumer group in KAFKA_GROUP_IDS (see TopicsCliEnv).
const command = process.argv[2] ?? "ensure";
if (command !== "ensure") {
  process.stderr.write("usage: topics ensure\n");
  process.exit(2);
}
const env = loadConfigOrExit(TopicsCliEnv, process.env);
const log = createLogger({ service: "topics", level: env.LOG_LEVEL });
const kafka = createKafka(kafkaConnectionFromEnv(env), log);
const specs = [
  ...bridgeTopicSpecs({
    partitions: env.TOPIC_PARTITIONS,
    replicationFactor: env.TOPIC_REPLICATION_FACTOR,
    retentionMs: env.TOPIC_RETENTION_MS,
  }),
  ...[...new Set(env.KAFKA_GROUP_IDS)].flatMap((group) =>
    consumerGroupTopicSpecs(group, { replicationFactor: env.TOPIC_REPLICATION_FACTOR }),
  ),
];
try {
  const created = await ensureTopics(kafka, specs, log);
  log.info({ created, topics: specs.map((s) => s.topic) }, "topics ensured");
} catch (error) {
  log.error({ err: error }, "could not ensure topics");
  process.exitCode = 1;
}
