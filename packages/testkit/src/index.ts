export { type ConfigReading, configIssues, itReadsConfig, refusedVariables } from "./config-loading.js";
export { dockerAvailable } from "./docker.js";
export {
  it,
  type RunningService,
  type ServiceDeps,
  type ServicesFixture,
  type Startable,
  type TestDatabase,
  TestHarness,
  type TopicsFixture,
  testKafka,
  testLog,
} from "./fixtures.js";
export { createTestDatabase, testDatabaseUrl, testKafkaBrokers, uniqueName } from "./isolation.js";
export { type ClusterNode, clusterNodes, KafkaCluster } from "./kafka-cluster.js";
export { caughtUp, createTopic, deleteTopics, recreateTopic, topicSize } from "./kafka-topics.js";
export { LocalKafka } from "./local-kafka.js";
export { ensureSharedPostgres, PrivatePostgres } from "./local-postgres.js";
export { type MetricSample, type MetricsSource, metricSamples, metricValue } from "./metrics.js";
export { kafkaLauncher, repoRoot } from "./paths.js";
export { freePort } from "./ports.js";
export { consumerServiceEnv } from "./service-env.js";
export { type ServiceProcess, startServiceProcess } from "./service-process.js";
export { createTestPki, type TestPki } from "./test-pki.js";
export { type WaitOptions, waitUntil } from "./waiting.js";
