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

/** The running parts of one door-streams replica. */
export interface DoorStreamsService {
  lifecycle: Lifecycle;
  kafka: Kafka;
  stream: TransactionalStream;
  admin: HttpServer;
}

/**
 * Builds a door-streams replica under one lifecycle, in start order: admin server, topics (created
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
 * The topics door-streams writes, under their configured names: the two output topics with the
 * event topics' settings, the group's dead-letter topic, and the compacted state topic with exactly
 * as many partitions as the input (its partition p is input partition p's state).
 */
async function streamTopicSpecs(kafka: Kafka, config: DoorStreamsConfig): Promise<TopicSpec[]> {
  if (!config.ensureTopics) return [];
  const defaults = config.ensureTopics;
  const events = bridgeTopicSpecs(defaults).find((spec) => spec.topic === Topics.eventLogs);
  const eventConfig = events?.config ?? {};
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
  const output = (topic: string): TopicSpec => ({
    topic,
    partitions: defaults.partitions,
    replicationFactor: defaults.replicationFactor,
    config: eventConfig,
  });
  return [
    output(config.topics.eventLogs),
    output(config.topics.doorEvents),
    output(config.topics.anonymous),
    {
      topic: config.topics.state,
      partitions: inputPartitions,
      replicationFactor: defaults.replicationFactor,
      // Never deleted: "at most once, ever" needs every id written (see the README on state size).
      config: {
        "cleanup.policy": "compact",
        "min.insync.replicas": eventConfig["min.insync.replicas"] ?? "1",
      },
    },
    ...consumerGroupTopicSpecs(config.group, defaults).filter((spec) => spec.topic.endsWith(".dlq")),
  ];
}
