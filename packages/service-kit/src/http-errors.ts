import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { BridgeError } from "./errors.js";

/** The one error body every API of the project answers with. */
export interface ErrorBody {
  error: { code: string; message: string; requestId: string | undefined };
}

/** The request id of a request (set by the `requestId` middleware). */
export function requestIdOf(c: Context): string | undefined {
  const id = c.get("requestId" as never) as unknown;
  return typeof id === "string" ? id : undefined;
}

/** Builds the JSON error response. Status 410 is never produced: Parakey treats it as "stop sending". */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
): Response {
  const safeStatus = (status === 410 ? 500 : status) as ContentfulStatusCode;
  const body: ErrorBody = { error: { code, message, requestId: requestIdOf(c) } };
  return c.json(body, safeStatus);
}

/**
 * Hono `onError`: our errors map to their status and code; Hono's HTTP exceptions keep their status;
 * anything else is a 500 whose details stay in the log, not in the answer.
 */
export function createErrorHandler(log: { error(obj: object, msg: string): void }): ErrorHandler {
  return (error, c) => {
    if (error instanceof BridgeError) {
      if (error.status >= 500) log.error({ err: error }, "request failed");
      return errorResponse(c, error.status as ContentfulStatusCode, error.code, error.message);
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return errorResponse(c, status as ContentfulStatusCode, "bad_request", error.message);
    }
    log.error({ err: error }, "unhandled error");
    return errorResponse(c, 500, "internal", "internal error");
  };
}

/** Hono `notFound`: unknown paths answer 404 in the one error shape. */
export const notFoundHandler: NotFoundHandler = (c) => errorResponse(c, 404, "not_found", "no such route");
