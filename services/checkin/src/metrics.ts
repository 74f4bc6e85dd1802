import { Counter, Gauge, type Registry } from "prom-client";

/** The check-in service's own metrics (the consumer runtime adds the bridge_consumer_* ones). */
export interface CheckInMetrics {
  /** By kind: person, failed, anonymous (see `UnlockKind`), or no_domain. */
  unlocks: Counter<"kind">;
  checkIns: Counter<"live">;
  published: Counter;
  outboxPending: Gauge;
}

/**
 * Registers the check-in metrics. `outboxPending` asks the store when scraped, so an outbox that
 * does not drain (Kafka down) shows on the dashboard even while no new check-ins arrive.
 *
 * @example
 * const metrics = createCheckInMetrics(registry, () => store.outboxSize());
 */
export function createCheckInMetrics(registry: Registry, outboxSize: () => Promise<number>): CheckInMetrics {
  return {
    unlocks: new Counter({
      name: "bridge_checkin_unlocks_total",
      help: "New (not duplicate) unlocks counted, by kind: person, failed, anonymous, no_domain.",
      labelNames: ["kind"],
      registers: [registry],
    }),
    checkIns: new Counter({
      name: "bridge_checkins_total",
      help: "Check-ins recorded, by whether they were live (within the domain's live window).",
      labelNames: ["live"],
      registers: [registry],
    }),
    published: new Counter({
      name: "bridge_checkins_published_total",
      help: "Check-in records acknowledged by Kafka (a crash between ack and outbox delete publishes again).",
      registers: [registry],
    }),
    outboxPending: new Gauge({
      name: "bridge_checkin_outbox_pending",
      help: "Check-ins recorded but not yet acknowledged by Kafka.",
      registers: [registry],
      async collect() {
        try {
          this.set(await outboxSize());
        } catch {
          // The store is down: readiness says so; the gauge keeps its last value.
        }
      },
    }),
  };
}
