import { BridgeError } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Kafka } from "kafkajs";
import { Registry } from "prom-client";
import { BatchingProducer } from "../producer.js";
import { headersToStrings } from "../tracing.js";
import { deadLetterTopic, redriveTopic } from "./topics.js";

/** Header names a redriven record gains. */
export const RedriveHeaders = {
  redrivenAt: "pb-redrive-at",
  from: "pb-redrive-from",
} as const;

export interface RedriveOptions {
  group: string;
  log: Logger;
  /** Stop after this many records (default: everything dead-lettered when the command started). */
  maxRecords?: number;
  /** Give up when no record arrives for this long while some are still expected. */
  idleTimeoutMs?: number;
}

/** The consumer group that remembers how far an operator redrove a group's dead-letter topic. */
export const redriveCursorGroup = (group: string) => `${group}.redrive-cursor`;

/**
 * Sends a group's dead-lettered records back to that group, and to no other: each record is copied
 * (key, value and headers unchanged, plus `pb-redrive-*`) onto `redriveTopic(group)`, which only that
 * group subscribes to, and the same runner, sink and idempotency process it again — in the
 * service, with its metrics and traces, not in an operator's shell with a second copy of the
 * handler. Redriving is for after the fix is deployed; a record that fails again is dead-lettered
 * again, keeping its first origin and first-failed-at. A cursor group remembers what was redriven,
 * so running the command twice sends nothing twice. Reads up to the end offsets seen at the start.
 *
 * @example
 * const { redriven } = await redriveDeadLetters(kafka, { group: "audit", log });
 */
export async function redriveDeadLetters(
  kafka: Kafka,
  options: RedriveOptions,
): Promise<{ redriven: number }> {
  const source = deadLetterTopic(options.group);
  const target = redriveTopic(options.group);
  const cursorGroup = redriveCursorGroup(options.group);
  const admin = kafka.admin();
  await admin.connect();
  let remaining: Map<number, bigint>;
  try {
    const ends = await admin.fetchTopicOffsets(source);
    const [cursor] = await admin.fetchOffsets({ groupId: cursorGroup, topics: [source] });
    remaining = new Map();
    for (const end of ends) {
      const committed = BigInt(cursor?.partitions.find((p) => p.partition === end.partition)?.offset ?? "-1");
      const from = committed >= 0n ? committed : BigInt(end.low);
      if (BigInt(end.high) > from) remaining.set(end.partition, BigInt(end.high));
    }
  } finally {
    await admin.disconnect();
  }
  if (remaining.size === 0) return { redriven: 0 };

  const producer = new BatchingProducer(kafka, { log: options.log, registry: new Registry(), lingerMs: 5 });
  const consumer = kafka.consumer({ groupId: cursorGroup, allowAutoTopicCreation: false });
  let redriven = 0;
  const limit = options.maxRecords ?? Number.POSITIVE_INFINITY;
  await producer.start();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [source], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let idle = setTimeout(onIdle, options.idleTimeoutMs ?? 30_000);
      function onIdle() {
        reject(
          new Error(
            `redrive stalled: no dead-letter records arrived for ${options.idleTimeoutMs ?? 30_000} ms`,
          ),
        );
      }
      const finish = () => {
        clearTimeout(idle);
        resolve();
      };
      consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning }) => {
            clearTimeout(idle);
            idle = setTimeout(onIdle, options.idleTimeoutMs ?? 30_000);
            const end = remaining.get(batch.partition);
            if (end === undefined) return;
            const wanted = batch.messages.filter((m) => BigInt(m.offset) < end).slice(0, limit - redriven);
            if (wanted.length === 0 || !isRunning()) return;
            const now = new Date().toISOString();
            await producer.send(
              wanted.map((message) => {
                const headers = headersToStrings(message.headers);
                headers[RedriveHeaders.redrivenAt] = now;
                headers[RedriveHeaders.from] = `${source}/${batch.partition}/${message.offset}`;
                return {
                  topic: target,
                  key: message.key?.toString() ?? null,
                  value: message.value ?? Buffer.alloc(0),
                  headers,
                };
              }),
            );
            const last = wanted[wanted.length - 1] as (typeof wanted)[number];
            resolveOffset(last.offset);
            const next = BigInt(last.offset) + 1n;
            await commitOffsetsIfNecessary({
              topics: [
                { topic: source, partitions: [{ partition: batch.partition, offset: next.toString() }] },
              ],
            });
            await heartbeat();
            redriven += wanted.length;
            if (next >= end) remaining.delete(batch.partition);
            if (remaining.size === 0 || redriven >= limit) finish();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await producer.stop();
  }
  options.log.info(
    { group: options.group, redriven, from: source, to: target },
    "dead-letter records redriven",
  );
  return { redriven };
}

/** One partition's move in a replay. */
export interface ReplayMove {
  topic: string;
  partition: number;
  /** The committed offset before ("-1" = none). */
  from: string;
  to: string;
}

export interface ReplayOptions {
  group: string;
  topics: readonly string[];
  /** Re-read every record produced at or after this instant. */
  since: Date;
  log: Logger;
  /** Only report what would move. */
  dryRun?: boolean;
}

/**
 * Rewinds a group to the first records produced at or after `since`, so the service reads them
 * again when it next starts (its sink must be idempotent: the store ends up unchanged). Refuses while
 * the group has live members — a running consumer would overwrite the offsets with its own commits;
 * stop the service (scale to 0) first. A sink that resumes from offsets it stores itself must have
 * those rewound too (`SinkOffsets.rewind` with the returned moves). Never moves a partition forward.
 *
 * @example
 * const moves = await replayGroup(kafka, { group: "audit", topics: [Topics.eventLogs], since: new Date("2026-11-01"), log });
 */
export async function replayGroup(kafka: Kafka, options: ReplayOptions): Promise<ReplayMove[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([options.group]);
    const members = groups[0]?.members.length ?? 0;
    if (members > 0) {
      throw new BridgeError(
        "group_active",
        `group ${options.group} has ${members} live member(s) (state ${groups[0]?.state}); stop the service before replaying`,
      );
    }
    const moves: ReplayMove[] = [];
    for (const topic of options.topics) {
      const targets = await admin.fetchTopicOffsetsByTimestamp(topic, options.since.getTime());
      const [current] = await admin.fetchOffsets({ groupId: options.group, topics: [topic] });
      const topicMoves: ReplayMove[] = [];
      for (const target of targets) {
        const from = current?.partitions.find((p) => p.partition === target.partition)?.offset ?? "-1";
        // Only ever backwards: a `since` later than where a stopped group stands would otherwise skip
        // records it never read.
        const to = Number(from) >= 0 && BigInt(target.offset) > BigInt(from) ? from : target.offset;
        topicMoves.push({ topic, partition: target.partition, from, to });
      }
      moves.push(...topicMoves);
      if (!options.dryRun) {
        await admin.setOffsets({
          groupId: options.group,
          topic,
          partitions: topicMoves.map(({ partition, to }) => ({ partition, offset: to })),
        });
      }
    }
    options.log.info(
      { group: options.group, since: options.since.toISOString(), moves, dryRun: options.dryRun ?? false },
      options.dryRun ? "replay plan" : "group rewound",
    );
    return moves;
  } finally {
    await admin.disconnect();
  }
}
