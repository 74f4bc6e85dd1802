/** Why a record could not be processed, as written into its dead-letter headers. */
export interface DeadLetterFailure {
  /** Stable code: `contract_violation`, or the code of the non-retryable `BridgeError` (e.g. `db_query_failed`). */
  code: string;
  message: string;
  /** Attempts made before giving up (1 for a failure that is never retried). */
  attempts: number;
}

/** Where the record was read. */
export interface RecordOrigin {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
}

/** Header names of a dead-lettered record (all prefixed `pb-dlq-`). */
export const DeadLetterHeaders = {
  group: "pb-dlq-group",
  originTopic: "pb-dlq-origin-topic",
  originPartition: "pb-dlq-origin-partition",
  originOffset: "pb-dlq-origin-offset",
  originTimestamp: "pb-dlq-origin-timestamp",
  errorCode: "pb-dlq-error-code",
  errorMessage: "pb-dlq-error-message",
  attempts: "pb-dlq-attempts",
  firstFailedAt: "pb-dlq-first-failed-at",
  failedAt: "pb-dlq-failed-at",
  failures: "pb-dlq-failures",
  valueWasNull: "pb-dlq-value-null",
} as const;

const MAX_MESSAGE = 2_000;

/**
 * Headers of a dead-letter record: the original record's headers kept as they were, plus why and
 * where it failed. A record that fails again after a redrive keeps its first origin and its
 * first-failed-at, and counts its failures, so an operator sees its whole history on one record.
 *
 * @example
 * const headers = deadLetterHeaders(original, "audit", origin, { code: "contract_violation", message, attempts: 1 }, now);
 */
export function deadLetterHeaders(
  original: Readonly<Record<string, string>>,
  group: string,
  origin: RecordOrigin,
  failure: DeadLetterFailure,
  now: Date,
): Record<string, string> {
  const headers: Record<string, string> = { ...original };
  const failedBefore = original[DeadLetterHeaders.originTopic] !== undefined;
  if (!failedBefore) {
    headers[DeadLetterHeaders.originTopic] = origin.topic;
    headers[DeadLetterHeaders.originPartition] = String(origin.partition);
    headers[DeadLetterHeaders.originOffset] = origin.offset;
    headers[DeadLetterHeaders.originTimestamp] = origin.timestamp;
    headers[DeadLetterHeaders.firstFailedAt] = now.toISOString();
  }
  headers[DeadLetterHeaders.group] = group;
  headers[DeadLetterHeaders.errorCode] = failure.code;
  headers[DeadLetterHeaders.errorMessage] =
    failure.message.length > MAX_MESSAGE ? `${failure.message.slice(0, MAX_MESSAGE)}…` : failure.message;
  headers[DeadLetterHeaders.attempts] = String(failure.attempts);
  headers[DeadLetterHeaders.failedAt] = now.toISOString();
  headers[DeadLetterHeaders.failures] = String(Number(original[DeadLetterHeaders.failures] ?? "0") + 1);
  return headers;
}
