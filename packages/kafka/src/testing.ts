import { ROOT_CONTEXT } from "@opentelemetry/api";
import { type DoorEvent, deadLetterTopic } from "@parakey-bridge/contracts";
import { topicSize } from "@parakey-bridge/testkit";
import type { Kafka } from "kafkajs";
import { pino } from "pino";
import { Registry } from "prom-client";
import { expect } from "vitest";
import { DeadLetterHeaders } from "./consumer/dead-letter.js";
import type { InboundRecord } from "./consumer/types.js";
import { BatchingProducer, type OutgoingRecord } from "./producer.js";
import { headersToStrings } from "./tracing.js";

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

/**
 * Reads a topic from the beginning until `count` records arrived or `timeoutMs` passed, with a fresh
 * consumer group. For tests that assert what is on a topic.
 *
 * @example
 * const records = await readTopic(kafka, "parakey.event-logs.v1", { count: 2 });
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  options: { count?: number; timeoutMs?: number; idleMs?: number } = {},
): Promise<ConsumedRecord[]> {
  const consumer = kafka.consumer({ groupId: `test-reader-${topic}-${Date.now()}-${Math.random()}` });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timeout = setTimeout(resolve, options.timeoutMs ?? 15_000);
      let idle: NodeJS.Timeout | undefined;
      const armIdle = () => {
        if (options.count !== undefined || options.idleMs === undefined) return;
        clearTimeout(idle);
        idle = setTimeout(() => {
          clearTimeout(timeout);
          resolve();
        }, options.idleMs);
      };
      armIdle();
      void consumer.run({
        eachMessage: async ({ topic: t, partition, message }) => {
          const headers = headersToStrings(message.headers);
          records.push({
            topic: t,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            value: message.value,
            headers,
            timestamp: message.timestamp,
          });
          armIdle();
          if (options.count !== undefined && records.length >= options.count) {
            clearTimeout(timeout);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/**
 * Produces records in order, in batches of up to 1 000 (kafkajs would otherwise pay a round trip
 * per record), with an idempotent producer that is stopped afterwards. For tests that prepare a topic.
 *
 * @example
 * await produceAll(kafka, events.map((event) => doorEventRecord(event, topic)));
 */
export async function produceAll(kafka: Kafka, records: readonly OutgoingRecord[]): Promise<void> {
  const producer = new BatchingProducer(kafka, {
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    registry: new Registry(),
    lingerMs: 5,
    maxBatchRecords: 1_000,
    sendTimeoutMs: 30_000,
  });
  await producer.start();
  try {
    for (let i = 0; i < records.length; i += 2_000) await producer.send(records.slice(i, i + 2_000));
  } finally {
    await producer.stop();
  }
}

/**
 * A DoorEvent as the consumer runtime hands it to a sink, for tests of a sink or store without Kafka:
 * a successful webhook unlock at `occurredAt` (recorded a second later), keyed by its device, at
 * `offset` of `partition` of the event topic, with whatever `event` sets. A service's tests wrap it
 * with their own defaults (domain, person, door, day).
 *
 * @example
 * const record = unlockRecord(7, { domainId: "dom_hq", userId: "usr_b", occurredAt: "2026-11-23T23:30:00.000Z" });
 */
export function unlockRecord(
  offset: number,
  event: Partial<DoorEvent> & Pick<DoorEvent, "deviceId" | "domainId" | "userId" | "occurredAt">,
  partition = 0,
): InboundRecord<DoorEvent> {
  const delayMs = event.delayMs ?? 1_000;
  const recordedAt = new Date(Date.parse(event.occurredAt) + delayMs).toISOString();
  const eventLogId = event.eventLogId ?? `el_${offset}`;
  return {
    topic: "parakey.event-logs.v1",
    partition,
    offset: String(offset),
    key: event.deviceId,
    value: {
      eventLogId,
      success: true,
      recordedAt,
      receivedAt: recordedAt,
      delayMs,
      via: "webhook",
      payloadVersion: "1.0",
      eventLog: { id: eventLogId },
      ...event,
    },
    headers: {},
    timestamp: String(Date.parse(recordedAt)),
    traceContext: ROOT_CONTEXT,
    traceId: "0".repeat(32),
  };
}

/**
 * Asserts that a consumer group's dead-letter topic holds exactly one record (a record
 * dead-lettered twice fails too), taken from `origin.topic` at `origin.offset` for `origin.errorCode`,
 * and returns it.
 *
 * @example
 * await expectOneDeadLetter(kafka, group, { topic, offset: "2", errorCode: "contract_violation" });
 */
export async function expectOneDeadLetter(
  kafka: Kafka,
  group: string,
  origin: { topic: string; offset: string; errorCode: string },
): Promise<ConsumedRecord | undefined> {
  expect(await topicSize(kafka, deadLetterTopic(group))).toBe(1);
  const [dead] = await readTopic(kafka, deadLetterTopic(group), { count: 1 });
  expect(dead?.headers).toMatchObject({
    [DeadLetterHeaders.originTopic]: origin.topic,
    [DeadLetterHeaders.originOffset]: origin.offset,
    [DeadLetterHeaders.errorCode]: origin.errorCode,
  });
  return dead;
}
