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
 * What a failed statement says about the database, by SQLSTATE (class = the first two characters):
 * - `environment`: the database cannot take writes right now, whatever the record. Every record
 *   would fail the same way, so the consumer pauses, probes with a representative write and
 *   resumes by itself; nothing is dead-lettered. 08 connection; 25006 read-only transaction (a
 *   client that reconnected to a standby during a failover); 53 insufficient resources (disk full,
 *   out of memory, too many connections); 42501 a revoked grant; 42P01/42703/42883/3F000/3D000 a
 *   relation, column, function, schema or database that is not there (migrations not applied,
 *   something dropped); 57 operator intervention (shutdown, crash, starting up) except 57014;
 *   58 system errors (I/O); 28 rejected credentials; XX internal errors.
 * - `transient`: a conflict with other work that a retry usually wins: 40001 serialization failure,
 *   40P01 deadlock, 55P03 lock not available, 57014 statement timeout (canceled). Retried in place
 *   with backoff; when it persists the consumer pauses rather than dead-letter a healthy record.
 * - `record`: the statement is wrong for this record's data: 22 data exception, 23 integrity
 *   violation (a dedupe conflict never gets here: sinks use ON CONFLICT, and audit's COPY turns
 *   its primary key's refusal into a retryable `chain_conflict`), and whatever else the database
 *   rejects. Only these dead-letter the record.
 */
export type DbFailureKind = "environment" | "transient" | "record";

const ENVIRONMENT_CLASSES = new Set(["08", "53", "57", "58", "28", "XX"]);
const ENVIRONMENT_STATES = new Set(["25006", "42501", "42P01", "42703", "42883", "3F000", "3D000"]);
const TRANSIENT_STATES = new Set(["40001", "40P01", "55P03", "57014"]);

/**
 * The kind of a PostgreSQL error by its SQLSTATE (see `DbFailureKind`); undefined for a code that
 * is no SQLSTATE (a socket errno) or no code at all.
 *
 * @example
 * failureKindOfState("25006"); // "environment"
 */
export function failureKindOfState(state: string | undefined): DbFailureKind | undefined {
  if (state === undefined || !/^[0-9A-Z]{5}$/.test(state)) return undefined;
  if (TRANSIENT_STATES.has(state)) return "transient";
  if (ENVIRONMENT_STATES.has(state) || ENVIRONMENT_CLASSES.has(state.slice(0, 2))) return "environment";
  return "record";
}

/** Messages of pg / PGlite errors that carry no code but mean the connection is gone. */
const UNREACHABLE_MESSAGES = [
  /Connection terminated/i,
  /connection timeout/i,
  /Client has encountered a connection error/i,
  /Query read timeout/i,
  /server closed the connection unexpectedly/i,
  /the database system is (shutting down|starting up)/i,
  /Cannot use a pool after calling end/i,
];

/**
 * pg-pool's message when no connection of a full pool became free in time. The server is fine and
 * the service is busy (the HTTP API holds connections): not an outage, just wait.
 */
const POOL_EXHAUSTED_MESSAGE = /timeout exceeded when trying to connect/i;

/**
 * Turns whatever `pg` or PGlite threw into the project's error, so the consumer runtime can choose:
 * - `UnavailableError("db_unavailable")` for an environmental failure (`DbFailureKind`
 *   "environment": unreachable, read-only, out of disk, privilege revoked, relation missing…):
 *   the runtime pauses the group and probes until the database takes writes again;
 * - a retryable `db_conflict` for a transient conflict (retried, then paused, never dead-lettered);
 * - a retryable `db_pool_exhausted` when the pool had no free connection in time (not an outage);
 * - a non-retryable `db_query_failed` for a statement the database rejects because of the record's
 *   data (22xxx, 23xxx…): only this one dead-letters.
 * BridgeErrors pass through unchanged.
 *
 * @example
 * try { await pool.query(sql) } catch (error) { throw classifyDbError(error) }
 */
export function classifyDbError(error: unknown): BridgeError {
  if (error instanceof BridgeError) return error;
  const { code, message } = errorFields(error);
  const kind = failureKindOfState(code);
  const state = code === undefined ? "" : ` (${code})`;
  if (kind === undefined && POOL_EXHAUSTED_MESSAGE.test(message)) {
    return new BridgeError("db_pool_exhausted", `no free database connection in time: ${message}`, {
      retryable: true,
      status: 503,
      cause: error,
    });
  }
  if (
    kind === "environment" ||
    (code !== undefined && UNREACHABLE_ERRNOS.has(code)) ||
    (kind === undefined && UNREACHABLE_MESSAGES.some((pattern) => pattern.test(message)))
  ) {
    return new UnavailableError("db_unavailable", `database unavailable${state}: ${message}`, {
      cause: error,
    });
  }
  if (kind === "transient") {
    return new BridgeError("db_conflict", `database conflict${state}: ${message}`, {
      retryable: true,
      status: 503,
      cause: error,
    });
  }
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
