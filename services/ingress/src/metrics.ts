import { RejectionReason } from "@parakey-bridge/contracts";
import { Counter, Histogram, type Registry } from "prom-client";

const WEBHOOK_OUTCOMES = [
  "accepted",
  "duplicate",
  "rejected",
  "ignored",
  "unauthorized",
  "too_large",
  "rate_limited",
  "unavailable",
  "shutting_down",
  "not_found",
  "method_not_allowed",
  "error",
] as const;

/** Outcome of one webhook request: a bounded label set (never ids). */
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

const FILTER_REASONS = ["domain_not_allowed", "device_not_allowed"] as const;

/** Why an event was acknowledged without being produced (allowlists). */
export type FilterReason = (typeof FILTER_REASONS)[number];

const INTAKES = ["webhook", "poll"] as const;

/** The ingress metrics (names are what dashboards and alerts rely on: docs/architecture.md). */
export interface IngressMetrics {
  requests: Counter<"outcome">;
  requestDuration: Histogram<"outcome">;
  produced: Counter<"via">;
  rejected: Counter<"reason">;
  duplicates: Counter<"via">;
  filtered: Counter<"reason">;
  eventDelay: Histogram;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Registers the ingress metrics on a registry. Shared by every intake of the replica (webhook and
 * poller), which tell themselves apart by the `via` label; calling it twice on one registry returns
 * the same metrics. Every counter starts at 0 for each label value it can take: a series that
 * appears only with the first event starts at 1, and `increase()` cannot see that first event, so an
 * alert on the first rejected payload ever would never fire.
 *
 * @example
 * const metrics = createIngressMetrics(registry);
 * metrics.produced.inc({ via: "webhook" });
 */
export function createIngressMetrics(registry: Registry): IngressMetrics {
  const existing = registry.getSingleMetric("bridge_webhook_requests_total");
  if (existing) {
    const get = <T>(name: string) => registry.getSingleMetric(name) as T;
    return {
      requests: existing as Counter<"outcome">,
      requestDuration: get("bridge_webhook_request_duration_seconds"),
      produced: get("bridge_events_produced_total"),
      rejected: get("bridge_events_rejected_total"),
      duplicates: get("bridge_events_duplicate_total"),
      filtered: get("bridge_events_filtered_total"),
      eventDelay: get("bridge_event_delay_seconds"),
    };
  }
  const registers = [registry];
  const metrics: IngressMetrics = {
    requests: new Counter({
      name: "bridge_webhook_requests_total",
      help: "Webhook requests by outcome (accepted, duplicate, rejected, ignored, unauthorized, too_large, unavailable, ...).",
      labelNames: ["outcome"],
      registers,
    }),
    requestDuration: new Histogram({
      name: "bridge_webhook_request_duration_seconds",
      help: "Time from request to answer, by outcome. Parakey gives up after 15 s.",
      labelNames: ["outcome"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers,
    }),
    produced: new Counter({
      name: "bridge_events_produced_total",
      help: "DoorEvents acknowledged by Kafka (acks=all), by intake (webhook, poll).",
      labelNames: ["via"],
      registers,
    }),
    rejected: new Counter({
      name: "bridge_events_rejected_total",
      help: "Payloads that could not be normalized and went to the rejected topic, by reason.",
      labelNames: ["reason"],
      registers,
    }),
    duplicates: new Counter({
      name: "bridge_events_duplicate_total",
      help: "Repeated deliveries of an event log this replica stored recently (answered 2xx, not produced again).",
      labelNames: ["via"],
      registers,
    }),
    filtered: new Counter({
      name: "bridge_events_filtered_total",
      help: "Events acknowledged but not produced because an allowlist excludes them, by reason.",
      labelNames: ["reason"],
      registers,
    }),
    eventDelay: new Histogram({
      name: "bridge_event_delay_seconds",
      help: "recordedAt - occurredAt of stored events: how long a lock held the event offline (clamped at 0).",
      buckets: [
        1,
        5,
        15,
        30,
        MINUTE,
        5 * MINUTE,
        15 * MINUTE,
        HOUR,
        6 * HOUR,
        DAY,
        3 * DAY,
        7 * DAY,
        30 * DAY,
      ],
      registers,
    }),
  };
  for (const outcome of WEBHOOK_OUTCOMES) metrics.requests.inc({ outcome }, 0);
  for (const via of INTAKES) {
    metrics.produced.inc({ via }, 0);
    metrics.duplicates.inc({ via }, 0);
  }
  for (const reason of RejectionReason.options) metrics.rejected.inc({ reason }, 0);
  for (const reason of FILTER_REASONS) metrics.filtered.inc({ reason }, 0);
  return metrics;
}
