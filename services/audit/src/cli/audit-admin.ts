#!/usr/bin/env node
import { loadConfigOrExit } from "@parakey-bridge/config";
import {
  createKafka,
  kafkaConnectionFromEnv,
  operatorUsage,
  runOperatorCommand,
} from "@parakey-bridge/kafka";
import { migrate, openDb } from "@parakey-bridge/storage";
import { createLogger, createMetricsRegistry } from "@parakey-bridge/telemetry";
import { ChainVerifier } from "../chain/verify.js";
import { AuditEnv } from "../config.js";
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
const config = loadConfigOrExit(AuditEnv, process.env);
const log = createLogger({
  service: "audit-admin",
  level: config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL,
});
const print = (line: string) => process.stdout.write(`${line}\n`);

if (command === "redrive" || command === "replay") {
  const kafka = createKafka(kafkaConnectionFromEnv(config), log);
  process.exitCode = await runOperatorCommand([command, ...args], {
    kafka,
    group: config.CONSUMER_GROUP,
    topics: [config.AUDIT_TOPIC],
    log,
    print,
  });
} else if (command === "verify" || command === "erase") {
  const db = await openDb({ url: config.DATABASE_URL, dataDir: config.AUDIT_DATA_DIR, schema: "audit", log });
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
      process.exitCode = results.every((result) => result.ok) ? 0 : 1;
    } else {
      const now = new Date();
      const olderThan = new Date(now.getTime() - config.AUDIT_RETENTION_DAYS * 24 * 3600 * 1000);
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
