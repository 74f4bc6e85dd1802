import { Topics } from "@parakey-bridge/contracts";
import {
  bridgeTopicSpecs,
  consumerGroupTopicSpecs,
  createKafka,
  ensureTopics,
  type Kafka,
  type TopicSpec,
  TransactionalStream,
} from "@parakey-bridge/kafka";
import {
  type Clock,
  type Component,
  createAdminApp,
  HttpServer,
  Lifecycle,
} from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Registry } from "prom-client";
import type { DoorStreamsConfig } from "./config.js";
import { DoorStreamProcessor } from "./door-stream-processor.js";
import { createDoorStreamsMetrics } from "./metrics.js";
import { pseudonymizer } from "./pseudonym.js";
import { checkStreamTopics } from "./stream-topics.js";

export interface DoorStreamsDeps {
  log: Logger;
  registry: Registry;
  clock: Clock;
  /** The stream cannot go on: main stops the service and exits non-zero (the orchestrator restarts it). */
  onFatal: (error: Error) => void;
}

/** The running parts of one streams replica. */
export interface DoorStreamsService {
  lifecycle: Lifecycle;
  kafka: Kafka;
  stream: TransactionalStream;
  admin: HttpServer;
}

/**
 * Builds a streams replica under one lifecycle, in start order: admin server, topics (created
 * when ENSURE_TOPICS is on, checked always), the transactional stream. Shutdown finishes the
 * transaction in flight, leaves the group and closes the partitions' producers.
 *
 * @example
 * const service = createDoorStreamsService(config, { log, registry, clock: systemClock, onFatal });
 * await service.lifecycle.start();
 */
export function createDoorStreamsService(
  config: DoorStreamsConfig,
  deps: DoorStreamsDeps,
): DoorStreamsService {
  const { log, registry, clock } = deps;
  const kafka = createKafka(config.kafka, log);
  const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: config.shutdownGraceMs });
  const processors = new Map<number, DoorStreamProcessor>();
  const metrics = createDoorStreamsMetrics(registry, () =>
    [...processors.values()].reduce((sum, processor) => sum + processor.size, 0),
  );
  const pseudonymOf = pseudonymizer(config.pseudonymKey);
  const stream = new TransactionalStream({
    kafka,
    group: config.group,
    inputTopic: config.topics.eventLogs,
    stateTopic: config.topics.state,
    transactionalIdPrefix: config.transactionalIdPrefix,
    createProcessor: (partition) => {
      const processor = new DoorStreamProcessor({
        partition,
        group: config.group,
        topics: config.topics,
        pseudonymOf,
        metrics,
        clock,
      });
      processors.set(partition, processor);
      return processor;
    },
    log,
    registry,
    maxChunkRecords: config.stream.maxChunkRecords,
    partitionsConsumedConcurrently: config.stream.partitionsConcurrently,
    sessionTimeoutMs: config.stream.sessionTimeoutMs,
    transactionTimeoutMs: config.stream.transactionTimeoutMs,
    onFatal: deps.onFatal,
  });
  const admin = new HttpServer({
    name: "admin-http",
    app: createAdminApp({
      registry,
      checks: [stream.check],
      isShuttingDown: () => lifecycle.isShuttingDown,
      log,
    }),
    port: config.adminPort,
    host: config.host,
    drainTimeoutMs: 1_000,
  });
  const topics: Component = {
    name: "topics",
    start: async () => {
      if (config.ensureTopics) await ensureTopics(kafka, await streamTopicSpecs(kafka, config), log);
      await checkStreamTopics(kafka, config.topics);
    },
    stop: async () => {},
  };
  lifecycle.add(admin).add(topics).add(stream);
  return { lifecycle, kafka, stream, admin };
}

/**
 * The topics streams reads and writes, with the bridge's settings under their configured names, and
 * the group's dead-letter topic. The state topic gets as many partitions as the input has (its
 * partition p is input partition p's state), whatever TOPIC_PARTITIONS says.
 */
async function streamTopicSpecs(kafka: Kafka, config: DoorStreamsConfig): Promise<TopicSpec[]> {
  if (!config.ensureTopics) return [];
  const defaults = config.ensureTopics;
  const admin = kafka.admin();
  await admin.connect();
  let inputPartitions = defaults.partitions;
  try {
    if ((await admin.listTopics()).includes(config.topics.eventLogs)) {
      const metadata = await admin.fetchTopicMetadata({ topics: [config.topics.eventLogs] });
      inputPartitions = metadata.topics[0]?.partitions.length ?? defaults.partitions;
    }
  } finally {
    await admin.disconnect();
  }
  const named: [string, string][] = [
    [Topics.eventLogs, config.topics.eventLogs],
    [Topics.doorEvents, config.topics.doorEvents],
    [Topics.doorEventsAnonymous, config.topics.anonymous],
    [Topics.doorEventsSeen, config.topics.state],
  ];
  const specs = bridgeTopicSpecs(defaults);
  return [
    ...named.flatMap(([standard, configured]) => {
      const spec = specs.find((s) => s.topic === standard);
      if (!spec) return [];
      const partitions = standard === Topics.doorEventsSeen ? inputPartitions : spec.partitions;
      return [{ ...spec, topic: configured, partitions }];
    }),
    ...consumerGroupTopicSpecs(config.group, defaults).filter((spec) => spec.topic.endsWith(".dlq")),
  ];
}
