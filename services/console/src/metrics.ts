import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface ConsoleMetrics {
  runs: Counter<"verdict">;
  incomplete: Gauge;
  missing: Gauge;
  repaired: Counter;
  duration: Histogram;
}

/**
 * The console's metrics. `bridge_reconciliation_runs_total{verdict="failed"}` and
 * `bridge_reconciliation_incomplete == 1` drive the chart's alert. Every verdict starts at 0.
 */
export function consoleMetrics(registry: Registry): ConsoleMetrics {
  const metrics: ConsoleMetrics = {
    runs: new Counter({
      name: "bridge_reconciliation_runs_total",
      help: "Reconciliations run, by verdict (complete, incomplete, failed)",
      labelNames: ["verdict"],
      registers: [registry],
    }),
    // 0 until a reconciliation found a gap, so an idle console never looks like a failed one.
    incomplete: new Gauge({
      name: "bridge_reconciliation_incomplete",
      help: "1 when the latest reconciliation found an event missing somewhere, 0 otherwise",
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
  for (const verdict of ["complete", "incomplete", "failed"]) metrics.runs.inc({ verdict }, 0);
  return metrics;
}
