export { dockerAvailable } from "./docker.js";
export { createTestDatabase, testDatabaseUrl, testKafkaBrokers, uniqueName } from "./isolation.js";
export { type ClusterNode, clusterNodes, KafkaCluster } from "./kafka-cluster.js";
export { caughtUp, createTopic, deleteTopics, topicSize } from "./kafka-topics.js";
export { LocalKafka } from "./local-kafka.js";
export { ensureSharedPostgres, PrivatePostgres } from "./local-postgres.js";
export { kafkaLauncher, repoRoot } from "./paths.js";
export { createTestPki, type TestPki } from "./test-pki.js";
export { metricValue, waitUntil } from "./waiting.js";
