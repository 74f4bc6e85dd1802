import { Counter, type Registry } from "prom-client";

/** The billing service's own metrics (the consumer runtime adds the bridge_consumer_* ones). */
export interface BillingMetrics {
  metered: Counter;
  adjustments: Counter;
  periodsClosed: Counter;
}

/**
 * Registers the billing metrics.
 *
 * @example
 * const metrics = createBillingMetrics(registry);
 * metrics.metered.inc(batch.metered);
 */
export function createBillingMetrics(registry: Registry): BillingMetrics {
  return {
    metered: new Counter({
      name: "bridge_billing_unlocks_metered_total",
      help: "Successful unlocks added to the usage meters (each event log once).",
      registers: [registry],
    }),
    adjustments: new Counter({
      name: "bridge_billing_adjustments_total",
      help: "Late unlocks that became adjustment lines on an already closed period.",
      registers: [registry],
    }),
    periodsClosed: new Counter({
      name: "bridge_billing_periods_closed_total",
      help: "Billing periods closed (figures issued).",
      registers: [registry],
    }),
  };
}
