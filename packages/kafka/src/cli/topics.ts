#!/usr/bin/env node
import { loadConfigOrExit } from "@parakey-bridge/config";
import { createLogger } from "@parakey-bridge/telemetry";
import { createKafka } from "../client.js";
import { kafkaConnectionFromEnv } from "../config.js";
import { reconcileTopics } from "../topic-admin.js";
import { TopicsCliEnv, topicsCliSpecs } from "./topics-env.js";

// `topics ensure`: brings every topic the services need to its spec before they start (the Helm
// pre-install/pre-upgrade hook, the compose `topics` service and scripts/start.sh): the bridge's
// topics under the names the services read (TOPIC_EVENT_LOGS, …), and the dead-letter and redrive
// topics of each consumer group in KAFKA_GROUP_IDS (see TopicsCliEnv). Missing topics are created, changed configs applied, partitions grown; a change
// Kafka cannot make in place (fewer partitions, another replication factor) exits 1 without changing
// anything, so the Helm hook and with it the upgrade fail loudly (see reconcileTopics).
const command = process.argv[2] ?? "ensure";
if (command !== "ensure") {
  process.stderr.write("usage: topics ensure\n");
  process.exit(2);
}
const env = loadConfigOrExit(TopicsCliEnv, process.env);
const log = createLogger({ service: "topics", level: env.LOG_LEVEL });
const kafka = createKafka(kafkaConnectionFromEnv(env), log);
const specs = topicsCliSpecs(env);
try {
  const result = await reconcileTopics(kafka, specs, log);
  log.info({ ...result, topics: specs.map((s) => s.topic) }, "topics match their specs");
} catch (error) {
  log.error({ err: error }, "topics do not match their specs");
  process.exitCode = 1;
}
