/**
 * What one error code means on the wire: the HTTP status an API answers with, whether trying the
 * same thing again later may succeed, and a sentence for the documentation (docs/errors.md is
 * checked against this list by a test).
 */
export interface ErrorCodeSpec {
  readonly status: number;
  readonly retryable: boolean;
  readonly meaning: string;
}

/**
 * Every error code of the project, in one list. A `BridgeError`, an API's error body and a
 * dead-letter header can only carry a code named here (anything else does not compile), and each
 * code has exactly one status and one retryability, so an API client and the consumer runtime read
 * a code the same way everywhere. No code answers 410: Parakey treats a 410 as "stop sending for
 * good" (see `statusOfCode`'s test).
 *
 * Add a code here, with its meaning, before using it; run `pnpm generate` to rewrite docs/errors.md.
 */
export const ERROR_CODES = {
  // Client errors of the HTTP APIs: the request is wrong, sending it again will not help.
  invalid_request: {
    status: 400,
    retryable: false,
    meaning:
      "The query, path parameters or body failed validation; the message names every field (`field: problem; …`).",
  },
  unauthenticated: {
    status: 401,
    retryable: false,
    meaning:
      "No credentials, malformed credentials, or credentials that are not valid (API key, JWT, or the webhook's shared secret). Comes with `WWW-Authenticate`.",
  },
  invalid_token: {
    status: 401,
    retryable: false,
    meaning:
      "A JWT failed verification (internal: the APIs answer it as `unauthenticated`, the reason in the message).",
  },
  forbidden: {
    status: 403,
    retryable: false,
    meaning: "The principal is valid but lacks the role, or the domain is not one of its domains.",
  },
  not_found: {
    status: 404,
    retryable: false,
    meaning: "No such route, or no such resource visible to the principal.",
  },
  method_not_allowed: {
    status: 405,
    retryable: false,
    meaning: "The path exists but not for this method; `Allow` lists the one that is.",
  },
  period_not_over: {
    status: 409,
    retryable: false,
    meaning: "Billing: the period has not ended in every billed time zone yet; close it once it has.",
  },
  duplicate_event_log: {
    status: 409,
    retryable: false,
    meaning: "Parakey simulator (tests only): an event log with this id already exists.",
  },
  payload_too_large: {
    status: 413,
    retryable: false,
    meaning:
      "Webhook: a body so large it is not read at all (over 16 times the body limit); smaller oversized bodies are stored as rejected instead.",
  },
  rate_limited: {
    status: 429,
    retryable: true,
    meaning: "The principal used up its requests of this minute; retry after `Retry-After` seconds.",
  },

  // Server-side failures that are not transient: a bug or a misconfiguration, or data a store refuses.
  internal: {
    status: 500,
    retryable: true,
    meaning:
      "An unexpected error; its details are in the service's log under the request id, never in the answer. Assumed transient.",
  },
  auth_not_installed: {
    status: 500,
    retryable: false,
    meaning: "A route was served without the `authenticate` middleware (a wiring bug).",
  },
  record_too_large: {
    status: 500,
    retryable: false,
    meaning:
      "Kafka: a record is larger than its topic accepts; the ingress stores such an event on the rejected topic instead.",
  },
  db_query_failed: {
    status: 500,
    retryable: false,
    meaning:
      "The database rejected a statement because of the data (22xxx, 23xxx…); a consumer dead-letters the record.",
  },
  mixed_partitions: {
    status: 500,
    retryable: false,
    meaning: "Audit: a batch held records of more than one partition (a runtime bug).",
  },
  checkpoint_unreadable: {
    status: 500,
    retryable: false,
    meaning:
      "Ingress poller: a stored checkpoint cannot be decoded; an operator must look before polling resumes.",
  },
  topic_missing: {
    status: 500,
    retryable: false,
    meaning: "Streams: a topic it needs does not exist (create it, or set ENSURE_TOPICS=true).",
  },
  state_topic_mismatch: {
    status: 500,
    retryable: false,
    meaning: "Streams: the state topic and the event-log topic have different partition counts.",
  },
  topic_change_refused: {
    status: 500,
    retryable: false,
    meaning:
      "Topic admin: a requested topic change is unsafe (for example fewer partitions); nothing was changed.",
  },
  group_active: {
    status: 500,
    retryable: false,
    meaning: "Operator CLI: the consumer group still has live members; stop the service before replaying.",
  },
  probe_rolled_back: {
    status: 500,
    retryable: false,
    meaning: "Storage: the write probe's own rollback marker (never leaves the probe).",
  },

  // Transient failures: a dependency is down or busy; the same request later may succeed.
  unavailable: {
    status: 503,
    retryable: true,
    meaning: "Temporarily unavailable (what any accidental 410 becomes: 410 would stop Parakey for good).",
  },
  shutting_down: {
    status: 503,
    retryable: true,
    meaning: "This replica is shutting down; another replica (or this one after restart) takes the retry.",
  },
  kafka_unavailable: {
    status: 503,
    retryable: true,
    meaning: "Kafka did not acknowledge the record; nothing was stored, retry later.",
  },
  auth_unavailable: {
    status: 503,
    retryable: true,
    meaning: "The token issuer's keys cannot be fetched now; the token may be valid.",
  },
  db_unavailable: {
    status: 503,
    retryable: true,
    meaning:
      "The database is unreachable, read-only or out of space; a consumer pauses until it takes writes again.",
  },
  db_pool_exhausted: {
    status: 503,
    retryable: true,
    meaning: "No database connection became free in time (busy, not an outage).",
  },
  db_conflict: {
    status: 503,
    retryable: true,
    meaning: "A transient database conflict (serialization failure, deadlock); retried.",
  },
  chain_conflict: {
    status: 503,
    retryable: true,
    meaning: "Audit: an event was stored concurrently, so the hash-chain positions are retried.",
  },

  // Parakey's API seen from the bridge: 502 when retrying will not help, 503 when it may.
  parakey_unauthorized: {
    status: 502,
    retryable: false,
    meaning: "Parakey answered 401/403: the access token is wrong or revoked.",
  },
  parakey_rate_limited: {
    status: 503,
    retryable: true,
    meaning: "Parakey still answered 429 after the last attempt.",
  },
  parakey_server_error: {
    status: 503,
    retryable: true,
    meaning: "Parakey still answered 5xx after the last attempt.",
  },
  parakey_timeout: {
    status: 503,
    retryable: true,
    meaning: "No complete answer from Parakey within the per-request timeout, on every attempt.",
  },
  parakey_network_error: {
    status: 503,
    retryable: true,
    meaning: "The connection to Parakey failed on every attempt.",
  },
  parakey_bad_response: {
    status: 502,
    retryable: false,
    meaning: "Parakey answered something that is not a readable list of event logs.",
  },
  parakey_request_rejected: {
    status: 502,
    retryable: false,
    meaning: "Parakey answered another 4xx: the bridge's request is wrong.",
  },
  parakey_paging_violation: {
    status: 502,
    retryable: false,
    meaning: "Parakey's pages cannot prove a window was read completely; the next poll tries again.",
  },
} as const satisfies Record<string, ErrorCodeSpec>;

/** A code of the list: `"invalid_request" | "unauthenticated" | …`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The HTTP status of a code, as a literal type. */
export type StatusOf<C extends ErrorCode> = (typeof ERROR_CODES)[C]["status"];

/** The codes answered with 503 (what `UnavailableError` may carry). */
export type UnavailableCode = { [C in ErrorCode]: StatusOf<C> extends 503 ? C : never }[ErrorCode];

/** Every code, in the list's order (for an OpenAPI enum, a test, the documentation). */
export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/**
 * The code an API answers for a bare HTTP status (a framework's HTTP exception, a handler's status),
 * so a status never reaches a client with a code of its own invention. 410 is answered as
 * `unavailable` (503): Parakey would stop sending for good on a 410.
 *
 * @example
 * codeOfStatus(413); // "payload_too_large"
 * codeOfStatus(410); // "unavailable"
 */
export function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return "unauthenticated";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 429:
      return "rate_limited";
    case 410:
    case 503:
      return "unavailable";
    default:
      return status >= 400 && status < 500 ? "invalid_request" : "internal";
  }
}
