#!/usr/bin/env node
import { withoutApiAuth } from "@parakey-bridge/auth";
import { ConfigError } from "@parakey-bridge/config";
import { createKafka, operatorUsage, runOperatorCommand } from "@parakey-bridge/kafka";
import { migrate, openDb } from "@parakey-bridge/storage";
import { createLogger, createMetricsRegistry } from "@parakey-bridge/telemetry";
import { verifyReconciliations } from "../chain/reconciliation-ledger.js";
import { ChainVerifier } from "../chain/verify.js";
import { type AuditConfig, loadAuditConfig } from "../config.js";
import { erasePersonalData } from "../erasure.js";
import { auditMetrics } from "../metrics.js";
import { auditMigrations } from "../store/migrations.js";

// Operator commands of the audit service, with the service's own environment:
//   verify [--domain <id>]   recompute hash chains (all domains by default); exit 1 when one is broken
//   erase                    erase personal data older than AUDIT_RETENTION_DAYS now
//   redrive | replay         the consumer runtime's commands for the audit group
// With the embedded PGlite store, stop the service first (one process owns its data directory),
// or use GET /audit/verify.
const usage = `usage: audit-admin <command>
  verify [--domain <id>]             recompute the hash chains; exit 1 when one is broken
  erase                              erase personal data older than the retention now
${operatorUsage}`;

const [command, ...args] = process.argv.slice(2);
let config: AuditConfig;
try {
  config = loadAuditConfig(withoutApiAuth(process.env));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const log = createLogger({
  service: "audit-admin",
  level: config.logLevel === "info" ? "warn" : config.logLevel,
});
const print = (line: string) => process.stdout.write(`${line}\n`);

if (command === "redrive" || command === "replay") {
  const kafka = createKafka(config.kafka, log);
  process.exitCode = await runOperatorCommand([command, ...args], {
    kafka,
    group: config.consumer.group,
    topics: [config.topics.eventLogs],
    log,
    print,
  });
} else if (command === "verify" || command === "erase") {
  const db = await openDb({ ...config.database, log });
  try {
    await migrate(db, auditMigrations, log);
    if (command === "verify") {
      const domainFlag = args.indexOf("--domain");
      const verifier = new ChainVerifier(
        db,
        auditMetrics(createMetricsRegistry("audit-admin")).verificationFailures,
      );
      const results =
        domainFlag >= 0 ? [await verifier.verify(args[domainFlag + 1] ?? null)] : await verifier.verifyAll();
      for (const result of results) print(JSON.stringify(result));
      // The console's recorded reconciliations are a chain of their own, checked on every verify.
      const ledger = await verifyReconciliations(db);
      print(JSON.stringify({ reconciliations: ledger }));
      process.exitCode = results.every((result) => result.ok) && ledger.ok ? 0 : 1;
    } else {
      const now = new Date();
      const olderThan = new Date(now.getTime() - config.erasure.retentionDays * 24 * 3600 * 1000);
      const erased = await erasePersonalData(db, { olderThan, now });
      print(`erased personal data of ${erased} event(s) older than ${olderThan.toISOString()}`);
    }
  } finally {
    await db.close();
  }
} else {
  print(usage);
  process.exitCode = 2;
}
