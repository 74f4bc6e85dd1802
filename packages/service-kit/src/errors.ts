import type { z } from "zod";
import { ERROR_CODES, type ErrorCode, type StatusOf, type UnavailableCode } from "./error-codes.js";

/**
 * What a construction may restate about its code. Both are taken from `ERROR_CODES`; a call that
 * restates them only compiles when it agrees with the list.
 */
interface BridgeErrorOptions<C extends ErrorCode> {
  cause?: unknown;
  retryable?: (typeof ERROR_CODES)[C]["retryable"];
  status?: StatusOf<C>;
}

/**
 * The one error base class of the project. `code` is one of `ERROR_CODES` (API bodies, metric
 * labels, DLQ headers); `retryable` (whether the consumer runner retries in place or dead-letters)
 * and `status` (the HTTP answer when the error reaches an API) are the code's, from the list.
 *
 * @example
 * throw new BridgeError("chain_conflict", "an event was stored concurrently", { cause });
 */
export class BridgeError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly retryable: boolean;
  readonly status: number;

  constructor(code: C, message: string, options: BridgeErrorOptions<C> = {}) {
    super(message, { cause: options.cause });
    this.name = "BridgeError";
    this.code = code;
    this.retryable = ERROR_CODES[code].retryable;
    this.status = ERROR_CODES[code].status;
  }
}

/** Input that failed validation: never retried, answered 400 `invalid_request` by APIs. */
export class ValidationError extends BridgeError<"invalid_request"> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("invalid_request", message, options);
    this.name = "ValidationError";
  }

  /**
   * The one 400 message of the project for a zod failure: every issue as `path: problem`, joined
   * with `; ` (an issue of the whole input, such as an unknown query parameter, without a path).
   *
   * @example
   * const parsed = Query.safeParse(c.req.query());
   * if (!parsed.success) throw ValidationError.ofZod(parsed.error);
   */
  static ofZod(error: z.ZodError, options: { prefix?: string } = {}): ValidationError {
    const issues = error.issues
      .map((issue) => {
        const path = [options.prefix, ...issue.path.map(String)].filter((p) => p !== undefined);
        return path.length > 0 ? `${path.join(".")}: ${issue.message}` : issue.message;
      })
      .join("; ");
    return new ValidationError(issues, { cause: error });
  }
}

/** A dependency (Kafka, a database) is not reachable right now: retry later, answer 503. */
export class UnavailableError extends BridgeError<UnavailableCode> {
  constructor(code: UnavailableCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = "UnavailableError";
  }
}

/** A resource that does not exist: 404. */
export class NotFoundError extends BridgeError<"not_found"> {
  constructor(message: string) {
    super("not_found", message);
    this.name = "NotFoundError";
  }
}

/** Whether an error is worth retrying: BridgeErrors say so; unknown errors are assumed transient. */
export function isRetryable(error: unknown): boolean {
  return error instanceof BridgeError ? error.retryable : true;
}
