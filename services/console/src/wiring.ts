import { auditMigrations } from "@parakey-bridge/audit/migrations";
import { type BatchingProducer, createKafka, type Kafka } from "@parakey-bridge/kafka";
import { createParakeyClient } from "@parakey-bridge/parakey-client";
import type { Clock } from "@parakey-bridge/service-kit";
import { type Db, migrate, PostgresDb } from "@parakey-bridge/storage";
import type { Logger } from "@parakey-bridge/telemetry";
import type { ConsoleConfig } from "./config.js";
import { Console } from "./console.js";
import type { ConsoleMetrics } from "./metrics.js";
import { SinkSource } from "./reconcile/sink-source.js";

export interface ConsoleParts {
  console: Console;
  kafka: Kafka;
  dbs: { audit: Db; billing: Db; checkin: Db };
  close(): Promise<void>;
}

/**
 * Builds the console's dependencies from its configuration: one pool per sink database (read-only
 * queries; the audit one also appends to the reconciliation ledger, whose migration it applies when
 * the audit service has not yet), a Parakey client per integration, and the Kafka client. The
 * producer is passed in so the caller owns its lifecycle.
 */
export async function wireConsole(
  config: ConsoleConfig,
  deps: { log: Logger; clock: Clock; metrics: ConsoleMetrics; producer: (kafka: Kafka) => BatchingProducer },
): Promise<ConsoleParts & { producer: BatchingProducer }> {
  const open = (name: "audit" | "billing" | "checkin") =>
    new PostgresDb({ ...config.databases[name], log: deps.log, poolSize: 2 });
  const dbs = { audit: open("audit"), billing: open("billing"), checkin: open("checkin") };
  await migrate(dbs.audit, auditMigrations, deps.log);
  const kafka = createKafka(config.kafka, deps.log);
  const producer = deps.producer(kafka);
  const console = new Console({
    kafka,
    producer,
    parakey: Object.values(config.parakey.tokens).map((token) =>
      createParakeyClient({ token, baseUrl: config.parakey.baseUrl, clock: deps.clock }),
    ),
    sinks: new SinkSource(dbs),
    auditDb: dbs.audit,
    topics: config.topics,
    groups: config.groups,
    domains: config.domains,
    timeZones: config.timeZones,
    maxUploadDelayMs: config.maxUploadDelayMs,
    clockSkewMs: config.clockSkewMs,
    clock: deps.clock,
    log: deps.log,
    metrics: deps.metrics,
  });
  return {
    console,
    kafka,
    producer,
    dbs,
    close: async () => {
      await Promise.all(Object.values(dbs).map((db) => db.close()));
    },
  };
}
