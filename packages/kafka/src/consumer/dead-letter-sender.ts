import { context, SpanStatusCode } from "@opentelemetry/api";
import type { Clock } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Kafka } from "kafkajs";
import type { Registry } from "prom-client";
import { BatchingProducer } from "../producer.js";
import { consumerGroupTopicSpecs, ensureTopics } from "../topic-admin.js";
import { backoffDelay, type RetryPolicy } from "./backoff.js";
import type { BatchScope } from "./batch-scope.js";
import { type DeadLetterFailure, DeadLetterHeaders, deadLetterHeaders } from "./dead-letter.js";
import type { ConsumerMetrics } from "./metrics.js";
import { endRecord, type PendingRecord } from "./pending-record.js";
import { deadLetterTopic, redriveTopic } from "./topics.js";

/**
 * A consumer group's dead letters: its dead-letter (and redrive) topics, created at start when
 * missing with the specs the provisioning Job uses (`consumerGroupTopicSpecs`), and the producer
 * that sends a record there with the reason and its origin in headers.
 */
export class DeadLetterSender {
  readonly topic: string;
  private readonly producer: BatchingProducer;

  constructor(
    private readonly deps: {
      kafka: Kafka;
      group: string;
      log: Logger;
      registry: Registry;
      clock: Clock;
      retry: RetryPolicy;
      metrics: ConsumerMetrics;
    },
  ) {
    this.topic = deadLetterTopic(deps.group);
    this.producer = new BatchingProducer(deps.kafka, {
      log: deps.log.child({ component: "dead-letter-producer" }),
      registry: deps.registry,
      lingerMs: 5,
      sendTimeoutMs: 10_000,
    });
  }

  /**
   * Creates the group's dead-letter topic (and its redrive topic, `withRedrive`) when missing, with
   * the replication factor of the topic it reads; then starts the producer.
   */
  async start(sourceTopics: readonly string[], withRedrive: boolean): Promise<void> {
    const admin = this.deps.kafka.admin();
    await admin.connect();
    let replicationFactor = 1;
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...sourceTopics] });
      replicationFactor = Math.max(1, metadata.topics[0]?.partitions[0]?.replicas.length ?? 1);
    } finally {
      await admin.disconnect();
    }
    const redrive = redriveTopic(this.deps.group);
    const specs = consumerGroupTopicSpecs(this.deps.group, { replicationFactor }).filter(
      (spec) => withRedrive || spec.topic !== redrive,
    );
    await ensureTopics(this.deps.kafka, specs, this.deps.log);
    await this.producer.start();
  }

  stop(): Promise<void> {
    return this.producer.stop();
  }

  /** Sends one record to the dead-letter topic; retries while Kafka does not take it. False = stop. */
  async send<T>(scope: BatchScope, item: PendingRecord<T>, failure: DeadLetterFailure): Promise<boolean> {
    const { group, log, metrics } = this.deps;
    const { topic, partition } = scope;
    const { message } = item;
    const headers = deadLetterHeaders(
      item.headers,
      group,
      { topic, partition, offset: message.offset, timestamp: message.timestamp },
      failure,
      this.deps.clock.now(),
    );
    if (message.value === null) headers[DeadLetterHeaders.valueWasNull] = "true";
    const record = {
      topic: this.topic,
      key: message.key?.toString() ?? null,
      value: message.value ?? Buffer.alloc(0),
      headers,
    };
    for (let attempt = 1; ; attempt++) {
      if (!scope.canContinue()) return false;
      try {
        await context.with(item.traceContext, () => scope.keepAlive(this.producer.send(record)));
        break;
      } catch (error) {
        log.warn({ err: error, attempt }, "could not write to the dead-letter topic; retrying");
        if (!(await scope.wait(backoffDelay(attempt, this.deps.retry)))) return false;
      }
    }
    metrics.deadLettered.inc({ group });
    metrics.processed.inc({ group, outcome: "dead_lettered" });
    log.warn(
      {
        group,
        topic,
        partition,
        offset: message.offset,
        code: failure.code,
        reason: failure.message,
        dlq: this.topic,
      },
      "record dead-lettered",
    );
    item.span?.setStatus({ code: SpanStatusCode.ERROR, message: `${failure.code}: ${failure.message}` });
    endRecord(item, "dead_lettered");
    return true;
  }
}
