import { defineConsumerService } from "@parakey-bridge/consumer-service";
import { createApp } from "./app.js";
import { BillingEnv, billingConfigOf, billingTimeZones } from "./config.js";
import { createBillingMetrics } from "./metrics.js";
import { billingMigrations } from "./migrations.js";
import { UsageSink } from "./usage-sink.js";
import { UsageStore } from "./usage-store.js";

/**
 * The billing service on the consumer-service template: its sink adds each successful unlock to the
 * month's meters of its domain, with the partition's offsets in the same transaction (partitions in
 * parallel with CONSUMER_CONCURRENCY). `replay` rewinds the offsets the usage store keeps; replayed
 * unlocks are recognised by event log id and leave the meters as they are.
 */
export const billingService = defineConsumerService({
  name: "billing",
  title: "billing",
  env: BillingEnv,
  config: billingConfigOf,
  migrations: billingMigrations,
  storesOffsets: true,
  routes: [
    "GET /v1/domains/{domainId}/usage/{period}",
    "GET /v1/periods/{period}/usage.csv",
    "POST /v1/periods/{period}/close",
  ],
  build: ({ config, db, log, registry, clock }) => {
    const zones = billingTimeZones(config.timeZones);
    const metrics = createBillingMetrics(registry);
    const store = new UsageStore(db, zones.timeZoneOf, config.consumer.group);
    return {
      sink: new UsageSink(store, db, metrics),
      app: createApp({
        queries: store,
        clock,
        timeZones: zones.all,
        auth: config.auth,
        log,
        onPeriodClosed: () => metrics.periodsClosed.inc(),
      }),
      parts: { store },
    };
  },
});

/** One replica, built and not started (`lifecycle.start()`); for tests and `main.ts`. */
export const createBillingService = billingService.create;
export type BillingService = Awaited<ReturnType<typeof createBillingService>>;

/** `redrive` or `replay` of the billing group; returns the exit code (0 done, 1 failed, 2 usage). */
export const runBillingOperatorCommand = billingService.runCommand;
