import { PAGING_VIOLATION_REASONS } from "@parakey-bridge/parakey-client";
import type { Clock } from "@parakey-bridge/service-kit";
import { Counter, Gauge, type Registry } from "prom-client";

/** How a poll cycle ended: a bounded label set. */
export type PollOutcome = "not_modified" | "read" | "failed";

/** The poller's own metrics (the events it produces count in the shared ingress metrics, `via="poll"`). */
export interface PollerMetrics {
  recovered: Counter<"integration">;
  cycles: Counter<"integration" | "outcome">;
  leader: Gauge<"integration">;
  /** Reads stopped because the pages could not prove the window complete (`reason`: a bounded set). */
  pagingViolations: Counter<"integration" | "reason">;
  /**
   * Reports `bridge_poll_last_success_age_seconds{integration}` from `lastSuccessMs()` at scrape
   * time; no series while it answers undefined (this replica does not lead).
   */
  trackLastSuccess(integration: string, lastSuccessMs: () => number | undefined): void;
}

const byRegistry = new WeakMap<Registry, PollerMetrics>();

/**
 * Registers the poller metrics on a registry (once per registry; later calls return the same).
 * Labels are integration names, which the operator configures: a bounded set.
 *
 * @example
 * const metrics = createPollerMetrics(registry, systemClock);
 * metrics.recovered.inc({ integration: "acme" }, 3);
 */
export function createPollerMetrics(registry: Registry, clock: Clock): PollerMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const sources = new Map<string, () => number | undefined>();
  const metrics: PollerMetrics = {
    recovered: new Counter({
      name: "bridge_poll_recovered_events_total",
      help: "Events the poller produced that the webhook had not brought within POLL_GAP_WINDOW_MS (per replica memory: an upper bound with several replicas).",
      labelNames: ["integration"],
      registers,
    }),
    cycles: new Counter({
      name: "bridge_poll_cycles_total",
      help: "Poll cycles by outcome: not_modified (one request, 304), read, failed.",
      labelNames: ["integration", "outcome"],
      registers,
    }),
    leader: new Gauge({
      name: "bridge_poll_leader",
      help: "1 while this replica is the integration's poller (exactly one replica should be).",
      labelNames: ["integration"],
      registers,
    }),
    pagingViolations: new Counter({
      name: "bridge_poll_paging_violations_total",
      help: "Poll reads stopped without advancing because Parakey's pages could not prove the window complete, by reason (order_broken, outside_window, continuation_gap, repeated_page, tie_exceeds_page).",
      labelNames: ["integration", "reason"],
      registers,
    }),
    trackLastSuccess: (integration, lastSuccessMs) => {
      sources.set(integration, lastSuccessMs);
      // At 0 from the start, so the first recovered event or paging violation ever is an increase()
      // an alert sees.
      metrics.recovered.inc({ integration }, 0);
      for (const reason of PAGING_VIOLATION_REASONS) metrics.pagingViolations.inc({ integration, reason }, 0);
    },
  };
  new Gauge({
    name: "bridge_poll_last_success_age_seconds",
    help: "Seconds since the integration's last successful poll (reported by the replica that polls it).",
    labelNames: ["integration"],
    registers,
    collect() {
      this.reset();
      for (const [integration, lastSuccessMs] of sources) {
        const at = lastSuccessMs();
        if (at !== undefined) this.set({ integration }, Math.max(0, clock.nowMs() - at) / 1000);
      }
    },
  });
  byRegistry.set(registry, metrics);
  return metrics;
}
