import { finished } from "node:stream/promises";
import type { Context } from "@opentelemetry/api";
import type { Logger } from "@parakey-bridge/telemetry";
import pg from "pg";
import { from as copyFromStdin } from "pg-copy-streams";
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

export interface PostgresDbOptions {
  url: string;
  schema: string;
  log: Logger;
  /** Connections in the pool. */
  poolSize?: number;
  /** How long to wait for a connection: short, so an outage is reported (and paused on) quickly. */
  connectTimeoutMs?: number;
  /** Server-side statement timeout; a client-side read timeout a little above it covers dead sockets. */
  statementTimeoutMs?: number;
}

/**
 * PostgreSQL through a `pg` Pool. Every connection's search path is the service's schema. An idle
 * connection the server drops (restart, failover) is discarded instead of crashing the process.
 */
export class PostgresDb implements Db {
  readonly kind = "postgres";
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly namespace: string;

  constructor(private readonly options: PostgresDbOptions) {
    this.schema = assertSchemaName(options.schema);
    const statementTimeout = options.statementTimeoutMs ?? 30_000;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 5,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      statement_timeout: statementTimeout,
      query_timeout: statementTimeout + 5_000,
      options: `-c search_path=${this.schema},public`,
      application_name: `parakey-bridge-${this.schema}`,
    });
    this.pool.on("error", (error) => {
      options.log.warn({ err: error }, "idle database connection failed; discarded");
    });
    this.namespace = new URL(options.url).pathname.replace(/^\//, "") || "postgres";
  }

  query<R extends object = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
    options: QueryOptions = {},
  ): Promise<QueryResult<R>> {
    return runPooled(this.pool, sql, params, options, this.namespace);
  }

  async exec(sql: string): Promise<void> {
    await this.query(sql);
  }

  copyFrom(
    table: string,
    columns: readonly string[],
    text: string,
    options: QueryOptions = {},
  ): Promise<number> {
    return this.transaction((tx) => tx.copyFrom(table, columns, text, options));
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw classifyDbError(error);
    }
    let broken = false;
    // A checked-out client has no pool listener: a server that goes away between two statements
    // would otherwise raise an unhandled 'error' event and end the process.
    const onError = (error: Error) => {
      broken = true;
      this.options.log.debug({ err: error }, "connection lost during a transaction");
    };
    client.on("error", onError);
    const parents = options.traceParents;
    const tx: Queryable = {
      query: (sql, params = [], queryOptions = {}) =>
        run(client, sql, params, queryOptions, this.namespace, parents),
      exec: async (sql) => {
        await run(client, sql, [], {}, this.namespace, parents);
      },
      copyFrom: (table, columns, text, queryOptions = {}) =>
        copyInto(client, table, columns, text, queryOptions, this.namespace, parents),
    };
    try {
      await client.query("BEGIN");
      const result = await fn(tx);
      await traced("COMMIT", this.namespace, {}, parents, () => client.query("COMMIT"));
      return result;
    } catch (error) {
      // A session that answers "read-only" is bound to a server that is no primary now (a failover
      // moved the address on): it stays read-only however long we wait, so never reuse it.
      if (sessionIsReadOnly(error)) broken = true;
      try {
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        // The connection is unusable (server gone): destroy it rather than return it to the pool.
        broken = true;
        this.options.log.debug({ err: rollbackError }, "rollback failed; connection discarded");
      }
      throw classifyDbError(error);
    } finally {
      client.off("error", onError);
      client.release(broken ? true : undefined);
    }
  }

  probe(): Promise<boolean> {
    return answersTrivialQuery(this.pool);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** SQLSTATE 25006 read_only_sql_transaction, raw or as the cause of a classified error. */
function sessionIsReadOnly(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "25006") return true;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return (cause as { code?: unknown } | null)?.code === "25006";
}

/**
 * One statement on a connection of its own from the pool; a read-only session is discarded (see
 * `sessionIsReadOnly`), not handed back.
 */
async function runPooled<R extends object>(
  pool: pg.Pool,
  sql: string,
  params: readonly unknown[],
  options: QueryOptions,
  namespace: string,
): Promise<QueryResult<R>> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw classifyDbError(error);
  }
  let discard = false;
  // A checked-out client has no pool listener: a server going away mid-statement must not raise an
  // unhandled 'error' event (the statement itself fails and is classified).
  const onError = () => {
    discard = true;
  };
  client.on("error", onError);
  try {
    return await run<R>(client, sql, params, options, namespace, undefined);
  } catch (error) {
    if (sessionIsReadOnly(error)) discard = true;
    throw error;
  } finally {
    client.off("error", onError);
    client.release(discard ? true : undefined);
  }
}

async function run<R extends object>(
  target: pg.PoolClient,
  sql: string,
  params: readonly unknown[],
  options: QueryOptions,
  namespace: string,
  parents: readonly Context[] | undefined,
): Promise<QueryResult<R>> {
  return traced(sql, namespace, options, parents, async () => {
    try {
      const result = await target.query<R>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw classifyDbError(error);
    }
  });
}

/** `COPY … FROM STDIN` of `text` on the transaction's connection (see `Queryable.copyFrom`). */
async function copyInto(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  text: string,
  options: QueryOptions,
  namespace: string,
  parents: readonly Context[] | undefined,
): Promise<number> {
  const sql = copyStatement(table, columns, "STDIN");
  return traced(sql, namespace, { collection: table, ...options }, parents, async () => {
    try {
      const stream = client.query(copyFromStdin(sql));
      stream.end(text);
      await finished(stream);
      return stream.rowCount;
    } catch (error) {
      throw classifyDbError(error);
    }
  });
}
