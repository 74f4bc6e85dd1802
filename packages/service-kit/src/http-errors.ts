import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { codeOfStatus, ERROR_CODES, type ErrorCode } from "./error-codes.js";
import { BridgeError } from "./errors.js";

/** The one error body every API of the project answers with. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string | undefined };
}

/** The request id of a request (set by the `requestId` middleware). */
export function requestIdOf(c: Context): string | undefined {
  const id = c.get("requestId" as never) as unknown;
  return typeof id === "string" ? id : undefined;
}

/**
 * Builds the JSON error response of a code, with the code's status from `ERROR_CODES` (no code has
 * status 410, so no error answer of ours can tell Parakey to stop sending).
 *
 * @example
 * return errorResponse(c, "period_not_over", "2026-11 has not ended in Pacific/Auckland"); // 409
 */
export function errorResponse(c: Context, code: ErrorCode, message: string): Response {
  const body: ErrorBody = { error: { code, message, requestId: requestIdOf(c) } };
  return c.json(body, ERROR_CODES[code].status as ContentfulStatusCode);
}

/**
 * Hono `onError`: our errors answer their code; Hono's HTTP exceptions (a malformed body, a size
 * limit) the code of their status (`codeOfStatus`); anything else is a 500 `internal` whose details
 * stay in the log, not in the answer.
 */
export function createErrorHandler(log: { error(obj: object, msg: string): void }): ErrorHandler {
  return (error, c) => {
    if (error instanceof BridgeError) {
      if (error.status >= 500) log.error({ err: error }, "request failed");
      return errorResponse(c, error.code, error.message);
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return errorResponse(c, codeOfStatus(status), error.message);
    }
    log.error({ err: error }, "unhandled error");
    return errorResponse(c, "internal", "internal error");
  };
}

/** Hono `notFound`: unknown paths answer 404 in the one error shape. */
export const notFoundHandler: NotFoundHandler = (c) => errorResponse(c, "not_found", "no such route");
