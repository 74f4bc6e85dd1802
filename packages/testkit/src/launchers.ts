// The harness's process launchers and run checks, for programs that run outside vitest (the chaos
// suite, the benchmarks): the package's main entry also defines vitest fixtures (`it` = `test.extend`),
// which throw when imported where no vitest runner is.
export { type CreatedDatabase, createDatabase } from "./database.js";
export { type ClusterNode, clusterNodes, KafkaCluster } from "./kafka-cluster.js";
export { LocalKafka } from "./local-kafka.js";
export { PrivatePostgres } from "./local-postgres.js";
export { repoRoot } from "./paths.js";
export { freePort } from "./ports.js";
export { type ReadToEndOptions, readToEnd } from "./topic-reader.js";
