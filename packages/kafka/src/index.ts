export { createKafka, type Kafka } from "./client.js";
export { type KafkaConnection, KafkaEnv, kafkaConnectionFromEnv } from "./config.js";
export * from "./consumer/index.js";
export { BatchingProducer, type BatchingProducerOptions, type OutgoingRecord } from "./producer.js";
export { KafkaReadinessProbe } from "./readiness-probe.js";
export { bridgeTopicSpecs, ensureTopics, type TopicDefaults, type TopicSpec } from "./topic-admin.js";
export { contextFromHeaders, headersToStrings, messagingAttributes, startProducerSpan } from "./tracing.js";
