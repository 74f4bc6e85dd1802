import { ServiceEnv } from "@parakey-bridge/config";
import { z } from "zod";
import { type KafkaConnection, KafkaEnv, kafkaConnectionFromEnv } from "./config.js";
import type { TopicDefaults } from "./topic-admin.js";
import { TopicEnv, topicDefaultsOf } from "./topic-env.js";

/**
 * What every service of the bridge reads, the ingress included, under one set of names: the Kafka
 * connection (`KAFKA_*`), ports, log level, trace export and `SHUTDOWN_GRACE_MS` (`ServiceEnv`), and
 * topic creation at start (`ENSURE_TOPICS`, `TOPIC_*` settings). One schema, so an empty
 * `OTEL_EXPORTER_OTLP_ENDPOINT` means "no export" in every service alike. It lives here, beside the
 * Kafka settings it is made of, so a service that is not a consumer service (ingress, streams,
 * console) reads it without loading the consumer runtime, its stores and their database drivers.
 *
 * @example
 * const IngressEnv = z.intersection(BridgeServiceEnv, IngressOwnEnv);
 */
export const BridgeServiceEnv = z.intersection(z.intersection(KafkaEnv, ServiceEnv), TopicEnv);

/** The parts of every service's configuration that `BridgeServiceEnv` gives. */
export interface BridgeServiceConfig {
  port: number;
  adminPort: number;
  host: string;
  logLevel: z.output<typeof ServiceEnv>["LOG_LEVEL"];
  otlpEndpoint: string | undefined;
  kafka: KafkaConnection;
  /** Topic settings used when ENSURE_TOPICS creates missing topics at start; `false` when off. */
  ensureTopics: TopicDefaults | false;
  shutdownGraceMs: number;
}

/**
 * The configuration of a parsed `BridgeServiceEnv`.
 *
 * @example
 * const config = { ...bridgeServiceConfigOf(env), webhook: … };
 */
export function bridgeServiceConfigOf(e: z.output<typeof BridgeServiceEnv>): BridgeServiceConfig {
  return {
    port: e.PORT,
    adminPort: e.ADMIN_PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    kafka: kafkaConnectionFromEnv(e),
    ensureTopics: topicDefaultsOf(e),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}
