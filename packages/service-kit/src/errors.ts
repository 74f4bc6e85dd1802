/**
 * The one error base class of the project. `code` is stable (API bodies, metric labels, DLQ headers),
 * `retryable` tells the consumer runner whether to retry in place or dead-letter, `status` is the HTTP
 * answer when the error reaches an API.
 *
 * @example
 * throw new BridgeError("store_unavailable", "audit store is unreachable", { retryable: true, status: 503, cause });
 */
export class BridgeError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly status: number;

  constructor(
    code: string,
    message: string,
    options: { retryable?: boolean; status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "BridgeError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.status = options.status ?? 500;
  }
}

/** Input that failed validation: never retried, answered 400 by APIs. */
export class ValidationError extends BridgeError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("invalid_request", message, { retryable: false, status: 400, ...options });
    this.name = "ValidationError";
  }
}

/** A dependency (Kafka, a database) is not reachable right now: retry later, answer 503. */
export class UnavailableError extends BridgeError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { retryable: true, status: 503, ...options });
    this.name = "UnavailableError";
  }
}

/** A resource that does not exist: 404. */
export class NotFoundError extends BridgeError {
  constructor(message: string) {
    super("not_found", message, { retryable: false, status: 404 });
    this.name = "NotFoundError";
  }
}

/** Whether an error is worth retrying: BridgeErrors say so; unknown errors are assumed transient. */
export function isRetryable(error: unknown): boolean {
  return error instanceof BridgeError ? error.retryable : true;
}
