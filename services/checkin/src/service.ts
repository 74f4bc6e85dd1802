import { AccessLog } from "@parakey-bridge/auth";
import { defineConsumerService, pseudonymiserOf } from "@parakey-bridge/consumer-service";
import { BatchingProducer } from "@parakey-bridge/kafka";
import { createApp } from "./app.js";
import { CheckInPublisher } from "./check-in-publisher.js";
import { CheckInSink } from "./check-in-sink.js";
import { CheckInStore } from "./check-in-store.js";
import { CheckInEnv, checkInConfigOf } from "./config.js";
import { domainSettings } from "./domain-settings.js";
import { createCheckInMetrics } from "./metrics.js";
import { checkInMigrations } from "./migrations.js";

/**
 * The check-in service on the consumer-service template: its sink records each person's first
 * unlock of a local day (with the partition's offsets, in one transaction) and wakes the outbox
 * publisher, which sends the check-ins to TOPIC_CHECKINS. The producer and the publisher start
 * before the consumer and stop after it, so the check-ins of the last batches are still sent.
 * `replay` rewinds the offsets the store keeps; replayed unlocks are recognised by event log id
 * (check-ins, day counts and the outbox do not change, nothing is published again).
 */
export const checkInService = defineConsumerService({
  name: "checkin",
  title: "check-in",
  env: CheckInEnv,
  config: checkInConfigOf,
  migrations: checkInMigrations,
  writes: (config) => ({ checkins: config.topics.checkIns }),
  storesOffsets: true,
  routes: [
    "GET /v1/domains/{domainId}/check-ins?date=YYYY-MM-DD&limit=&cursor=",
    "GET /v1/users/{userId}/check-ins?from=YYYY-MM-DD&to=YYYY-MM-DD&domainId=",
  ],
  build: ({ config, db, kafka, log, registry, clock }) => {
    const settings = domainSettings(config.domains);
    const pseudonyms = pseudonymiserOf(config.auth, log);
    const store = new CheckInStore(db, settings, config.consumer.group);
    const metrics = createCheckInMetrics(registry, () => store.outboxSize());
    const producer = new BatchingProducer(kafka, {
      log,
      registry,
      lingerMs: 5,
      maxBatchRecords: config.outbox.batch,
      sendTimeoutMs: config.outbox.produceTimeoutMs,
    });
    const publisher = new CheckInPublisher({
      store,
      producer,
      topic: config.topics.checkIns,
      log,
      metrics,
      pollIntervalMs: config.outbox.pollIntervalMs,
      batch: config.outbox.batch,
    });
    return {
      sink: new CheckInSink({ db, store, metrics, onCheckIns: () => publisher.wake() }),
      app: createApp({
        queries: store,
        settings,
        auth: config.auth,
        accessLog: new AccessLog(db, clock),
        pseudonyms,
        log,
      }),
      before: [producer, publisher],
      checks: [publisher.check],
      parts: { store, publisher },
    };
  },
});

/** One replica, built and not started (`lifecycle.start()`); for tests and `main.ts`. */
export const createCheckInService = checkInService.create;
export type CheckInService = Awaited<ReturnType<typeof createCheckInService>>;
