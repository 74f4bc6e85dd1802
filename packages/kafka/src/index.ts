// The curated public surface of @parakey-bridge/kafka, by concern. Everything else is internal.

// Transport: the client, its configuration and TLS, the producer, a readiness probe.
export { createKafka, type Kafka } from "./client.js";
// Reading topics outside a consumer group: compacted state, time ranges, lag.
export { readLatestByKey } from "./compacted-topic.js";
export {
  type KafkaConnection,
  KafkaEnv,
  type KafkaTls,
  kafkaConnectionFromEnv,
  type PemFile,
} from "./config.js";
// The consumer runtime: one group, a sink, dead letters, outage handling, liveness.
export { DeadLetterHeaders, deadLetterHeaders } from "./consumer/dead-letter.js";
// Operator commands of a consumer group: redrive dead letters, replay from a time.
export { redriveDeadLetters, replayGroup } from "./consumer/operator.js";
export { operatorUsage, runOperatorCommand } from "./consumer/operator-cli.js";
export { ConsumerRunner, type ConsumerRunnerOptions } from "./consumer/runner.js";
export { deadLetterTopic, redriveTopic } from "./consumer/topics.js";
export type { ConsumerSink, InboundRecord, RecordDecoder, WriteOutcome } from "./consumer/types.js";
export { groupLag } from "./group-lag.js";
// Leader election through the group protocol (the poller's).
export { PartitionLeadership } from "./leadership.js";
export { BatchingProducer, type OutgoingRecord, RecordTooLargeError } from "./producer.js";
export { KafkaReadinessProbe } from "./readiness-probe.js";
// What every service of the bridge reads from the environment (Kafka, ports, logs, topics).
export { type BridgeServiceConfig, BridgeServiceEnv, bridgeServiceConfigOf } from "./service-env.js";
export { readTopicSince, type TimedRecord } from "./time-range-reader.js";
// Topic admin: the bridge's topics, their names and settings from the environment.
export {
  bridgeTopicSpecs,
  consumerGroupTopicSpecs,
  ensureTopics,
  ensureTopicsOnStart,
  type TopicDefaults,
  type TopicSpec,
} from "./topic-admin.js";
export {
  ConsumerGroupId,
  defaultConsumerGroup,
  TopicEnv,
  type TopicNames,
  TopicNamesEnv,
  topicDefaultsOf,
} from "./topic-env.js";
// Exactly-once processing in Kafka transactions (services/streams).
export {
  type PartitionProcessor,
  type ProcessedChunk,
  type StateEntry,
  type StreamRecord,
  TransactionalStream,
} from "./transactional.js";
