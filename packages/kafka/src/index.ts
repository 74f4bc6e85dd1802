export { createKafka, type Kafka } from "./client.js";
export { type ReadLatestOptions, readLatestByKey } from "./compacted-topic.js";
export {
  type KafkaConnection,
  KafkaEnv,
  type KafkaTls,
  kafkaConnectionFromEnv,
  type PemFile,
} from "./config.js";
export * from "./consumer/index.js";
export { doorEventRecord } from "./door-event-record.js";
export { groupLag } from "./group-lag.js";
export { type LeadershipTerm, PartitionLeadership, type PartitionLeadershipOptions } from "./leadership.js";
export {
  BatchingProducer,
  type BatchingProducerOptions,
  type OutgoingRecord,
  RecordTooLargeError,
} from "./producer.js";
export { KafkaReadinessProbe } from "./readiness-probe.js";
export {
  ConsumerGroupId,
  type ConsumerSettings,
  consumerServiceEnv,
  consumerSettingsOf,
  defaultConsumerGroup,
  TopicEnv,
  topicDefaultsOf,
} from "./service-env.js";
export { type ReadTopicSinceOptions, readTopicSince, type TimedRecord } from "./time-range-reader.js";
export {
  bridgeTopicSpecs,
  consumerGroupTopicSpecs,
  ensureTopics,
  ensureTopicsOnStart,
  type TopicDefaults,
  type TopicSpec,
} from "./topic-admin.js";
export { contextFromHeaders, headersToStrings, messagingAttributes, startProducerSpan } from "./tracing.js";
export {
  type PartitionProcessor,
  type ProcessedChunk,
  type StateEntry,
  type StreamRecord,
  TransactionalStream,
  type TransactionalStreamOptions,
} from "./transactional.js";
