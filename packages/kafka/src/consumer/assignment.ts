import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Kafka } from "kafkajs";
import type { ConsumerMetrics } from "./metrics.js";
import type { ConsumerSink } from "./types.js";

/**
 * Where each assigned partition starts. A sink that keeps offsets itself resumes where its store
 * says, not where Kafka says. Either offset is checked against the partition first: one beyond
 * its end (the topic was recreated, or the service points at another cluster) or before its start
 * (retention deleted records this group never read) is logged, counted
 * (`bridge_consumer_stored_offset_rebased_total`) and re-based to the partition's start — the
 * sinks' event-id claims tell the records they hold from new ones, so reading from the start
 * loses nothing and applies nothing twice, while a stale offset would hide every new record
 * below it.
 */
export async function seekOnAssignment(
  deps: {
    kafka: Kafka;
    group: string;
    sink: Pick<ConsumerSink<unknown>, "storedOffsets" | "setStoredOffset">;
    log: Logger;
    metrics: ConsumerMetrics;
    stopSignal: AbortSignal;
    /** Seeks the consumer running now. */
    seek: (position: { topic: string; partition: number; offset: string }) => void;
  },
  assignment: Record<string, number[]>,
): Promise<void> {
  const { sink, log, group } = deps;
  for (;;) {
    try {
      const admin = deps.kafka.admin();
      await admin.connect();
      try {
        for (const [topic, partitions] of Object.entries(assignment)) {
          const bounds = await admin.fetchTopicOffsets(topic);
          const own = sink.storedOffsets ? await sink.storedOffsets(topic) : undefined;
          const committed = own
            ? undefined
            : (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions;
          for (const partition of partitions) {
            const kafkaOffset = committed?.find((p) => p.partition === partition)?.offset;
            const offset = own
              ? own.get(partition)
              : kafkaOffset !== undefined && kafkaOffset !== "-1"
                ? kafkaOffset
                : undefined;
            if (offset === undefined) continue;
            const range = bounds.find((b) => b.partition === partition);
            const reason =
              range === undefined
                ? undefined
                : BigInt(offset) > BigInt(range.high)
                  ? "beyond_end"
                  : BigInt(offset) < BigInt(range.low)
                    ? "before_start"
                    : undefined;
            if (range !== undefined && reason !== undefined) {
              deps.metrics.offsetsRebased.inc({ group, reason });
              log.warn(
                {
                  group,
                  topic,
                  partition,
                  storedOffset: offset,
                  kept: own ? "sink" : "kafka",
                  start: range.low,
                  end: range.high,
                  reason,
                },
                reason === "beyond_end"
                  ? "stored offset is beyond the partition's end (topic recreated, or another cluster): re-based to its start; the event-id claims skip what is already stored"
                  : "stored offset is before the partition's start (records deleted before this group read them): re-based to its start",
              );
              if (own) await sink.setStoredOffset?.(topic, partition, range.low);
              deps.seek({ topic, partition, offset: range.low });
            } else if (own) {
              deps.seek({ topic, partition, offset });
            }
          }
        }
      } finally {
        await admin.disconnect();
      }
      return;
    } catch (error) {
      if (deps.stopSignal.aborted) return;
      // Until the offsets are known nothing may be processed: records could be stored twice or skipped.
      log.warn({ err: error }, "could not check the assigned partitions' offsets; retrying");
      await sleep(1_000, undefined, { signal: deps.stopSignal }).catch(() => undefined);
    }
  }
}
