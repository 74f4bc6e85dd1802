import { Counter, Histogram, type Registry } from "prom-client";

const RECORD_OUTCOMES = ["stored", "duplicate", "redelivered", "dead_lettered"] as const;

/** Why a stored (or committed) offset was re-based at assignment. */
const OFFSET_REBASE_REASONS = ["beyond_end", "before_start"] as const;

/** How a record left the consumer. */
export type RecordOutcome = (typeof RECORD_OUTCOMES)[number];

export interface ConsumerMetrics {
  processed: Counter<"group" | "outcome">;
  duplicates: Counter<"group">;
  retries: Counter<"group">;
  deadLettered: Counter<"group">;
  processingSeconds: Histogram<"group">;
  endToEndSeconds: Histogram<"group">;
  offsetsRebased: Counter<"group" | "reason">;
}

/**
 * The consumer metrics of a registry (shared by every runner registered on it), with the counters of
 * `group` created at 0: a series that appears only with the first dead letter starts at 1, and
 * `increase()` cannot see that first one, so the dead-letter alert would miss it.
 *
 * @example
 * const metrics = consumerMetrics(registry, "parakey-bridge-audit");
 * metrics.deadLettered.inc({ group: "parakey-bridge-audit" });
 */
export function consumerMetrics(registry: Registry, group?: string): ConsumerMetrics {
  const metrics = registeredConsumerMetrics(registry);
  if (group !== undefined) {
    for (const outcome of RECORD_OUTCOMES) metrics.processed.inc({ group, outcome }, 0);
    for (const counter of [metrics.duplicates, metrics.retries, metrics.deadLettered])
      counter.inc({ group }, 0);
    for (const reason of OFFSET_REBASE_REASONS) metrics.offsetsRebased.inc({ group, reason }, 0);
  }
  return metrics;
}

function registeredConsumerMetrics(registry: Registry): ConsumerMetrics {
  const existing = registry.getSingleMetric("bridge_consumer_records_processed_total");
  if (existing) {
    return {
      processed: existing as Counter<"group" | "outcome">,
      duplicates: registry.getSingleMetric("bridge_consumer_duplicates_total") as Counter<"group">,
      retries: registry.getSingleMetric("bridge_consumer_retries_total") as Counter<"group">,
      deadLettered: registry.getSingleMetric("bridge_consumer_dlq_records_total") as Counter<"group">,
      processingSeconds: registry.getSingleMetric(
        "bridge_consumer_processing_duration_seconds",
      ) as Histogram<"group">,
      endToEndSeconds: registry.getSingleMetric(
        "bridge_consumer_end_to_end_latency_seconds",
      ) as Histogram<"group">,
      offsetsRebased: registry.getSingleMetric("bridge_consumer_stored_offset_rebased_total") as Counter<
        "group" | "reason"
      >,
    };
  }
  return {
    processed: new Counter({
      name: "bridge_consumer_records_processed_total",
      help: "Records consumed, by outcome: stored, duplicate (same event seen before), redelivered (same record again after a crash or replay), dead_lettered.",
      labelNames: ["group", "outcome"],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: "bridge_consumer_duplicates_total",
      help: "Records whose event the sink already held (at-least-once delivery).",
      labelNames: ["group"],
      registers: [registry],
    }),
    retries: new Counter({
      name: "bridge_consumer_retries_total",
      help: "Retries of a failed sink write (retryable errors; an unreachable sink pauses instead).",
      labelNames: ["group"],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: "bridge_consumer_dlq_records_total",
      help: "Records sent to the group's dead-letter topic.",
      labelNames: ["group"],
      registers: [registry],
    }),
    processingSeconds: new Histogram({
      name: "bridge_consumer_processing_duration_seconds",
      help: "Per record: from being handed to the runner to the sink's commit.",
      labelNames: ["group"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    endToEndSeconds: new Histogram({
      name: "bridge_consumer_end_to_end_latency_seconds",
      help: "Per record: from the bridge receiving the event (receivedAt) to the sink's commit.",
      labelNames: ["group"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers: [registry],
    }),
    offsetsRebased: new Counter({
      name: "bridge_consumer_stored_offset_rebased_total",
      help: "Partitions assigned with a stored (or committed) offset outside the partition, re-based to its start: reason beyond_end (the topic was recreated, or another cluster) or before_start (retention deleted records never read).",
      labelNames: ["group", "reason"],
      registers: [registry],
    }),
  };
}
