import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface ConsoleMetrics {
  runs: Counter<"verdict">;
  lastVerdict: Gauge;
  missing: Gauge;
  repaired: Counter;
  duration: Histogram;
}

/**
 * The console's metrics. `bridge_reconciliation_runs_total{verdict="failed|incomplete"}` and
 * `bridge_reconciliation_complete == 0` drive the chart's alert.
 */
export function consoleMetrics(registry: Registry): ConsoleMetrics {
  return {
    runs: new Counter({
      name: "bridge_reconciliation_runs_total",
      help: "Reconciliations run, by verdict (complete, incomplete, failed)",
      labelNames: ["verdict"],
      registers: [registry],
    }),
    lastVerdict: new Gauge({
      name: "bridge_reconciliation_complete",
      help: "1 when the latest reconciliation found every event everywhere, 0 otherwise",
      registers: [registry],
    }),
    missing: new Gauge({
      name: "bridge_reconciliation_missing_events",
      help: "Event ids the latest reconciliation found missing from the topic or a sink",
      registers: [registry],
    }),
    repaired: new Counter({
      name: "bridge_repair_events_resent_total",
      help: "Event logs re-sent to the event topic by a repair",
      registers: [registry],
    }),
    duration: new Histogram({
      name: "bridge_reconciliation_duration_seconds",
      help: "How long a reconciliation took",
      buckets: [1, 5, 15, 60, 300, 900],
      registers: [registry],
    }),
  };
}
