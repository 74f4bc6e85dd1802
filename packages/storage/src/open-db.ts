import type { Logger } from "@parakey-bridge/telemetry";
import type { Db } from "./db.js";
import { PgliteDb } from "./pglite-db.js";
import { PostgresDb } from "./postgres-db.js";

export interface OpenDbOptions {
  /** PostgreSQL URL; without one the embedded PGlite database in `dataDir` is used. */
  url?: string | undefined;
  /** PGlite data directory, e.g. `.data/audit`; omitted with no URL = in memory. */
  dataDir?: string | undefined;
  schema: string;
  log: Logger;
  poolSize?: number;
  statementTimeoutMs?: number;
}

/**
 * The service's database: PostgreSQL when `url` is given, embedded PGlite otherwise, so a service's
 * start command works without a database server.
 *
 * @example
 * const db = await openDb({ url: config.DATABASE_URL, dataDir: ".data/audit", schema: "audit", log });
 */
export async function openDb(options: OpenDbOptions): Promise<Db> {
  if (options.url) {
    return new PostgresDb({
      url: options.url,
      schema: options.schema,
      log: options.log,
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs }),
    });
  }
  options.log.info({ dataDir: options.dataDir ?? "(memory)" }, "no DATABASE_URL: using embedded PGlite");
  return PgliteDb.open({ schema: options.schema, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
}
