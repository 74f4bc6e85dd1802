import { AccessLog } from "@parakey-bridge/auth";
import { defineConsumerService, pseudonymiserOf } from "@parakey-bridge/consumer-service";
import { createMetricsRegistry } from "@parakey-bridge/telemetry";
import { createApp } from "./app.js";
import { verifyReconciliations } from "./chain/reconciliation-ledger.js";
import { ChainVerifier } from "./chain/verify.js";
import { AuditEnv, auditConfigOf } from "./config.js";
import { ErasureJob, erasePersonalData } from "./erasure.js";
import { auditMetrics } from "./metrics.js";
import { AuditStore } from "./store/audit-store.js";
import { auditMigrations } from "./store/migrations.js";

const DAY_MS = 24 * 3600 * 1000;

/**
 * The audit service on the consumer-service template: the audit store is its sink (each event once,
 * in per-domain hash chains), the erasure job removes personal data after the retention, and the
 * operator CLI adds `verify` and `erase`. The group resumes from Kafka's committed offsets, so
 * `replay` needs no stored offsets rewound. With the embedded PGlite store, stop the service before
 * a command that opens the database (one process owns its data directory), or use GET /v1/verify.
 */
export const auditService = defineConsumerService({
  name: "audit",
  title: "audit",
  env: AuditEnv,
  config: auditConfigOf,
  migrations: auditMigrations,
  storesOffsets: false,
  routes: [
    "GET /v1/events?domainId=&deviceId=&userId=&from=&to=&limit=&cursor=",
    "GET /v1/events/{eventLogId}",
    "GET /v1/verify?domainId=",
    "GET /v1/access-log?principalId=&from=&to=&limit=&cursor=",
  ],
  build: ({ config, db, log, registry, clock }) => {
    const metrics = auditMetrics(registry);
    const store = new AuditStore(db, { group: config.consumer.group, clock });
    const verifier = new ChainVerifier(db, metrics.verificationFailures);
    const erasure = new ErasureJob({
      db,
      clock,
      log,
      erased: metrics.erased,
      retentionDays: config.erasure.retentionDays,
      intervalMs: config.erasure.intervalMs,
    });
    const app = createApp({
      store,
      verifier,
      auth: config.auth,
      accessLog: new AccessLog(db, clock),
      pseudonyms: pseudonymiserOf(config.auth, log),
      log,
    });
    return { sink: store, app, after: [erasure], parts: { store, verifier } };
  },
  commands: {
    verify: {
      usage: "  verify [--domain <id>]             recompute the hash chains; exit 1 when one is broken",
      run: async (args, { print, openDb }) => {
        const db = await openDb();
        try {
          const domainFlag = args.indexOf("--domain");
          const failures = auditMetrics(createMetricsRegistry("audit-admin")).verificationFailures;
          const verifier = new ChainVerifier(db, failures);
          const results =
            domainFlag >= 0
              ? [await verifier.verify(args[domainFlag + 1] ?? null)]
              : await verifier.verifyAll();
          for (const result of results) print(JSON.stringify(result));
          // The console's recorded reconciliations are a chain of their own, checked on every verify.
          const ledger = await verifyReconciliations(db);
          print(JSON.stringify({ reconciliations: ledger }));
          return results.every((result) => result.ok) && ledger.ok ? 0 : 1;
        } finally {
          await db.close();
        }
      },
    },
    erase: {
      usage: "  erase                              erase personal data older than the retention now",
      run: async (_args, { config, print, openDb }) => {
        const db = await openDb();
        try {
          const now = new Date();
          const olderThan = new Date(now.getTime() - config.erasure.retentionDays * DAY_MS);
          const erased = await erasePersonalData(db, { olderThan, now });
          print(`erased personal data of ${erased} event(s) older than ${olderThan.toISOString()}`);
          return 0;
        } finally {
          await db.close();
        }
      },
    },
  },
});
