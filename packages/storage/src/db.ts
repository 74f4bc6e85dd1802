import type { Context } from "@opentelemetry/api";

/** Rows and the number of rows a statement touched. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** How a statement appears in traces; both default to what the SQL text says. */
export interface QueryOptions {
  /** `db.operation.name`, e.g. "INSERT"; default: the statement's first keyword. */
  operation?: string;
  /** `db.collection.name`, e.g. "audit_events"; default: the first table after FROM/INTO/UPDATE. */
  collection?: string;
  /**
   * The trace contexts this statement works for. A batch statement that stores the records of many
   * Kafka messages gets one span under each message's consumer span, so every message's trace reaches
   * its row. Default: the active context (or the transaction's).
   */
  traceParents?: readonly Context[];
}

/** Something that runs SQL: the database itself, or one transaction. */
export interface Queryable {
  /** Runs one parameterized statement (`$1`, `$2`, …). Throws a classified `BridgeError` on failure. */
  query<R extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Adds rows with `COPY table (columns) FROM STDIN`; `text` is what `copyText` writes. PostgreSQL's
   * fastest way in for many rows: no parameters to bind and no arrays to parse. There is no
   * ON CONFLICT: a duplicate key fails the statement, and the transaction with it. Resolves with the
   * number of rows added. `table` and `columns` are plain names (checked).
   */
  copyFrom(table: string, columns: readonly string[], text: string, options?: QueryOptions): Promise<number>;
}

export interface TransactionOptions {
  /** Trace contexts every statement of the transaction is recorded under (see `QueryOptions`). */
  traceParents?: readonly Context[];
}

/**
 * One database for a service, the same over PostgreSQL (a `pg` Pool) and embedded PGlite. Unqualified
 * table names resolve to the service's own schema. Every error is a `BridgeError`: an unreachable
 * server is a retryable `UnavailableError` (`db_unavailable`), a serialization failure or deadlock a
 * retryable `db_conflict`, anything else a non-retryable `db_query_failed`.
 */
export interface Db extends Queryable {
  readonly kind: "postgres" | "pglite";
  /** The service's schema (also the search path). */
  readonly schema: string;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
   *
   * @example
   * await db.transaction(async (tx) => {
   *   await tx.query("UPDATE chain_heads SET seq = seq + 1 WHERE domain_id = $1", [domain]);
   * });
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Whether the database answers a trivial query right now (readiness, resuming a paused consumer). */
  probe(): Promise<boolean>;
  close(): Promise<void>;
}

/** `Db.probe` of a driver: whether `client` answers a trivial query right now (a failure is the answer). */
export async function answersTrivialQuery(client: {
  query(sql: string): Promise<unknown>;
}): Promise<boolean> {
  try {
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  }
}

/** A schema name we are willing to put into SQL text. */
export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid schema name ${JSON.stringify(schema)}: lower-case letters, digits, _`);
  }
  return schema;
}
