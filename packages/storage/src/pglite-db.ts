import { mkdirSync } from "node:fs";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Context } from "@opentelemetry/api";
import { copyStatement } from "./copy-text.js";
import {
  answersTrivialQuery,
  assertSchemaName,
  type Db,
  type Queryable,
  type QueryOptions,
  type QueryResult,
  type TransactionOptions,
} from "./db.js";
import { traced } from "./db-spans.js";
import { classifyDbError } from "./errors.js";

export interface PgliteDbOptions {
  /** Directory of the database files; omitted = in memory (tests). */
  dataDir?: string;
  schema: string;
}

/**
 * Embedded PostgreSQL (PGlite, WebAssembly) for running a service without a database server: one
 * session in the process, statements and transactions serialized by PGlite itself. Same SQL dialect,
 * same `Db` interface as `PostgresDb`.
 */
export class PgliteDb implements Db {
  readonly kind = "pglite";
  readonly schema: string;

  private constructor(
    private readonly pg: PGlite,
    schema: string,
  ) {
    this.schema = schema;
  }

  /**
   * Opens (and creates when missing) the database in `dataDir`.
   *
   * @example
   * const db = await PgliteDb.open({ dataDir: ".data/audit", schema: "audit" });
   */
  static async open(options: PgliteDbOptions): Promise<PgliteDb> {
    const schema = assertSchemaName(options.schema);
    if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
    const pg = options.dataDir === undefined ? await PGlite.create() : await PGlite.create(options.dataDir);
    await pg.exec(`SET search_path TO ${schema}, public`);
    return new PgliteDb(pg, schema);
  }

  query<R extends object = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
    options: QueryOptions = {},
  ): Promise<QueryResult<R>> {
    return run(this.pg, sql, params, options, undefined);
  }

  async exec(sql: string): Promise<void> {
    await traced(sql, "pglite", {}, undefined, async () => {
      try {
        await this.pg.exec(sql);
      } catch (error) {
        throw classifyDbError(error);
      }
    });
  }

  copyFrom(
    table: string,
    columns: readonly string[],
    text: string,
    options: QueryOptions = {},
  ): Promise<number> {
    return copyInto(this.pg, table, columns, text, options, undefined);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const parents = options.traceParents;
    try {
      return await this.pg.transaction(async (inner) => {
        const tx: Queryable = {
          query: (sql, params = [], queryOptions = {}) => run(inner, sql, params, queryOptions, parents),
          exec: async (sql) => {
            await inner.exec(sql);
          },
          copyFrom: (table, columns, text, queryOptions = {}) =>
            copyInto(inner, table, columns, text, queryOptions, parents),
        };
        return fn(tx);
      });
    } catch (error) {
      throw classifyDbError(error);
    }
  }

  probe(): Promise<boolean> {
    return answersTrivialQuery(this.pg);
  }

  async close(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
}

async function run<R extends object>(
  target: PGlite | Transaction,
  sql: string,
  params: readonly unknown[],
  options: QueryOptions,
  parents: readonly Context[] | undefined,
): Promise<QueryResult<R>> {
  return traced(sql, "pglite", options, parents, async () => {
    try {
      const result = await target.query<R>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    } catch (error) {
      throw classifyDbError(error);
    }
  });
}

/** PGlite reads COPY's input from the blob passed with the statement, as `/dev/blob`. */
async function copyInto(
  target: PGlite | Transaction,
  table: string,
  columns: readonly string[],
  text: string,
  options: QueryOptions,
  parents: readonly Context[] | undefined,
): Promise<number> {
  const sql = copyStatement(table, columns, "'/dev/blob'");
  return traced(sql, "pglite", { collection: table, ...options }, parents, async () => {
    try {
      const result = await target.query(sql, [], { blob: new Blob([text]) });
      return result.affectedRows ?? 0;
    } catch (error) {
      throw classifyDbError(error);
    }
  });
}
