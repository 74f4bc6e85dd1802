#!/usr/bin/env node
import { envInt, loadConfigOrExit } from "@parakey-bridge/config";
import { createLogger } from "@parakey-bridge/telemetry";
import { z } from "zod";
import { createKafka } from "../client.js";
import { KafkaEnv, kafkaConnectionFromEnv } from "../config.js";
import { bridgeTopicSpecs, ensureTopics } from "../topic-admin.js";

// `topics ensure`: creates the bridge's topics (used by the Helm pre-install hook and the local stack).
const Env = z.intersection(
  KafkaEnv,
  z.object({
    TOPIC_PARTITIONS: envInt(6, { min: 1 }),
    TOPIC_REPLICATION_FACTOR: envInt(1, { min: 1 }),
    TOPIC_RETENTION_MS: envInt(7 * 24 * 3600 * 1000, { min: -1 }),
    LOG_LEVEL: z.string().default("info"),
  }),
);

const command = process.argv[2] ?? "ensure";
if (command !== "ensure") {
  process.stderr.write("usage: topics ensure\n");
  process.exit(2);
}
const env = loadConfigOrExit(Env, process.env);
const log = createLogger({ service: "topics", level: env.LOG_LEVEL });
const kafka = createKafka(kafkaConnectionFromEnv(env), log);
const specs = bridgeTopicSpecs({
  partitions: env.TOPIC_PARTITIONS,
  replicationFactor: env.TOPIC_REPLICATION_FACTOR,
  retentionMs: env.TOPIC_RETENTION_MS,
});
try {
  const created = await ensureTopics(kafka, specs, log);
  log.info({ created, topics: specs.map((s) => s.topic) }, "topics ensured");
} catch (error) {
  log.error({ err: error }, "could not ensure topics");
  process.exitCode = 1;
}
