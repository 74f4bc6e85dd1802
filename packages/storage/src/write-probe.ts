import { BridgeError } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Db } from "./db.js";

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const PROBE_LOCK_TIMEOUT_MS = 1_000;
const PROBE_STATEMENT_TIMEOUT_MS = 5_000;

/**
 * Whether the database takes the sink's writes right now: one transaction that inserts into each
 * of `tables` (zero rows: `INSERT INTO t SELECT * FROM t WHERE false`) and is rolled back.
 * `SELECT 1` keeps answering while PostgreSQL refuses writes; this does not: a read-only session
 * (25006), a revoked grant (42501), a missing table (42P01) or a statement that cannot get its
 * locks before the statement timeout (57014) all fail it, because PostgreSQL checks the
 * transaction's read-only state, privileges, the relation and its locks before it looks at rows.
 * It gives up on a lock after 1 s and on a statement after 5 s. A pool without a free connection
 * counts as healthy: the service is busy, the database is not sick.
 *
 * @example
 * probe: () => probeWrites(db, ["audit_events", "chain_heads", "consumer_offsets"], log)
 */
export async function probeWrites(db: Db, tables: readonly string[], log?: Logger): Promise<boolean> {
  for (const table of tables) {
    if (!TABLE_NAME.test(table)) throw new Error(`invalid table name ${JSON.stringify(table)}`);
  }
  const rolledBack = new BridgeError("probe_rolled_back", "write probe done; rolled back");
  try {
    await db.transaction(async (tx) => {
      // Bounded: a probe queued behind a lock (a migration, a long transaction) must not hold the
      // consumer's heartbeat or a readiness check for the whole statement timeout.
      await tx.exec(
        `SET LOCAL lock_timeout = ${PROBE_LOCK_TIMEOUT_MS}; SET LOCAL statement_timeout = ${PROBE_STATEMENT_TIMEOUT_MS}`,
      );
      for (const table of tables) {
        await tx.query(`INSERT INTO ${table} SELECT * FROM ${table} WHERE false`, [], {
          operation: "INSERT",
          collection: table,
        });
      }
      throw rolledBack;
    });
  } catch (error) {
    if (error === rolledBack) return true;
    if (error instanceof BridgeError && error.code === "db_pool_exhausted") return true;
    log?.debug({ err: error, tables }, "write probe failed");
    return false;
  }
  return true;
}
