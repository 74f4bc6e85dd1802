import { createHash } from "node:crypto";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Db } from "./db.js";

/** One schema change. Versions are applied in ascending order, once; never edit an applied one. */
export interface Migration {
  version: number;
  name: string;
  /** One or more statements; unqualified names land in the service's schema. */
  sql: string;
}

const checksum = (migration: Migration) => createHash("sha256").update(migration.sql).digest("hex");

/**
 * Brings the service's schema up to date: creates the schema and its `schema_migrations` table,
 * then applies every missing migration in version order — all in one transaction holding an
 * advisory lock on the schema, so replicas starting together apply each migration exactly once and
 * a failed migration leaves nothing half-done. An applied migration whose text changed is an error
 * (the database would no longer match the code's idea of it).
 *
 * @example
 * const applied = await migrate(db, [{ version: 1, name: "events", sql: "CREATE TABLE events (…)" }], log);
 */
export async function migrate(db: Db, migrations: readonly Migration[], log: Logger): Promise<number[]> {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (const [index, migration] of sorted.entries()) {
    if (!Number.isInteger(migration.version) || migration.version < 1) {
      throw new Error(`migration ${migration.name}: version must be a positive integer`);
    }
    if (index > 0 && sorted[index - 1]?.version === migration.version) {
      throw new Error(`two migrations share version ${migration.version}`);
    }
  }
  const schema = db.schema;
  const applied = await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`parakey-bridge:migrate:${schema}`], {
      operation: "SELECT",
      collection: "schema_migrations",
    });
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.exec(`SET LOCAL search_path TO ${schema}, public`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number; checksum: string }>(
      `SELECT version, checksum FROM ${schema}.schema_migrations`,
    );
    const done = new Map(rows.map((row) => [Number(row.version), row.checksum]));
    const newlyApplied: number[] = [];
    for (const migration of sorted) {
      const recorded = done.get(migration.version);
      if (recorded !== undefined) {
        if (recorded !== checksum(migration)) {
          throw new Error(
            `migration ${migration.version} (${migration.name}) changed after it was applied to schema ${schema}`,
          );
        }
        continue;
      }
      await tx.exec(migration.sql);
      await tx.query(
        `INSERT INTO ${schema}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`,
        [migration.version, migration.name, checksum(migration)],
      );
      newlyApplied.push(migration.version);
    }
    return newlyApplied;
  });
  if (applied.length > 0) log.info({ schema, applied }, "applied migrations");
  return applied;
}
