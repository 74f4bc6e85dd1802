import { BridgeError, UnavailableError } from "@parakey-bridge/service-kit";

/** Node socket errors that mean "the server is not there right now". */
const UNREACHABLE_ERRNOS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * SQLSTATEs that mean the server is going away, starting, or out of connections (class 08 is
 * "connection exception"; 57P01 admin_shutdown is what clients see when PostgreSQL stops;
 * 57P02 crash_shutdown; 57P03 cannot_connect_now while it starts; 53300 too_many_connections),
 * or takes no writes for now whatever the statement (25006 read_only_sql_transaction: a primary
 * demoted in a failover, a standby, `default_transaction_read_only`). Calling 25006 a rejected
 * statement dead-lettered every record for as long as it lasted (test/chaos scenario 6).
 */
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "53300", "58000", "58030", "25006"]);
/** Worth trying again on a live server: serialization failure, deadlock, lock timeout, statement timeout. */
const CONFLICT_STATES = new Set(["40001", "40P01", "55P03", "57014"]);

/** Messages of pg / PGlite errors that carry no code but mean the connection is gone. */
const UNREACHABLE_MESSAGES = [
  /Connection terminated/i,
  /connection timeout/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Query read timeout/i,
  /server closed the connection unexpectedly/i,
  /the database system is (shutting down|starting up)/i,
  /Cannot use a pool after calling end/i,
];

/**
 * Turns whatever `pg` or PGlite threw into the project's error: `UnavailableError("db_unavailable")`
 * when the server cannot be reached (the consumer runtime pauses instead of dead-lettering),
 * a retryable `db_conflict` for transient conflicts, and a non-retryable `db_query_failed` for a
 * statement the database rejects (bad data, constraint). BridgeErrors pass through unchanged.
 *
 * @example
 * try { await pool.query(sql) } catch (error) { throw classifyDbError(error) }
 */
export function classifyDbError(error: unknown): BridgeError {
  if (error instanceof BridgeError) return error;
  const { code, message } = errorFields(error);
  if (
    (code !== undefined &&
      (UNREACHABLE_ERRNOS.has(code) || code.startsWith("08") || UNAVAILABLE_STATES.has(code))) ||
    UNREACHABLE_MESSAGES.some((pattern) => pattern.test(message))
  ) {
    return new UnavailableError("db_unavailable", `database unavailable: ${message}`, { cause: error });
  }
  if (code !== undefined && CONFLICT_STATES.has(code)) {
    return new BridgeError("db_conflict", `database conflict (${code}): ${message}`, {
      retryable: true,
      status: 503,
      cause: error,
    });
  }
  const state = code === undefined ? "" : ` (${code})`;
  return new BridgeError("db_query_failed", `database rejected the statement${state}: ${message}`, {
    retryable: false,
    status: 500,
    cause: error,
  });
}

function errorFields(error: unknown): { code: string | undefined; message: string } {
  if (typeof error !== "object" || error === null) return { code: undefined, message: String(error) };
  const raw = (error as { code?: unknown }).code;
  const message = (error as { message?: unknown }).message;
  // AggregateError (a connect attempt to several addresses) carries the socket errors inside.
  const inner = (error as { errors?: unknown }).errors;
  if (raw === undefined && Array.isArray(inner) && inner.length > 0) return errorFields(inner[0]);
  return {
    code: typeof raw === "string" ? raw : undefined,
    message: typeof message === "string" && message.length > 0 ? message : String(error),
  };
}
