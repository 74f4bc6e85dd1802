import { BridgeError } from "@parakey-bridge/service-kit";

/**
 * Why a Parakey call gave up. Stable values: usable as a metric label.
 * - `parakey_unauthorized`: 401/403, the token is wrong or revoked; retrying will not help.
 * - `parakey_rate_limited`: still 429 after the last attempt, or Retry-After longer than we wait.
 * - `parakey_server_error`: still 5xx after the last attempt.
 * - `parakey_timeout`: no complete answer within the per-request timeout, on every attempt.
 * - `parakey_network_error`: the connection failed on every attempt.
 * - `parakey_bad_response`: an answer we cannot read (not JSON, not a list of event logs).
 * - `parakey_request_rejected`: any other 4xx: our request is wrong; retrying will not help.
 * - `parakey_paging_violation`: the pages cannot prove a window was read completely
 *   (`ParakeyPagingError`, with the reason); the next read may get further, retrying at once will not.
 */
export type ParakeyErrorCode =
  | "parakey_unauthorized"
  | "parakey_rate_limited"
  | "parakey_server_error"
  | "parakey_timeout"
  | "parakey_network_error"
  | "parakey_bad_response"
  | "parakey_request_rejected"
  | "parakey_paging_violation";

const RETRYABLE: Record<ParakeyErrorCode, boolean> = {
  parakey_unauthorized: false,
  parakey_rate_limited: true,
  parakey_server_error: true,
  parakey_timeout: true,
  parakey_network_error: true,
  parakey_bad_response: false,
  parakey_request_rejected: false,
  parakey_paging_violation: false,
};

/**
 * The client gave up on a Parakey call. `retryable` says whether trying again later (the next poll)
 * may succeed; `attempts` how many HTTP requests were made; `upstreamStatus` Parakey's last status.
 *
 * @example
 * try { await client.listEventLogs({ limit: 1 }); }
 * catch (error) { if (error instanceof ParakeyApiError && error.retryable) scheduleNextPoll(); else throw error; }
 */
export class ParakeyApiError extends BridgeError {
  declare readonly code: ParakeyErrorCode;
  readonly attempts: number;
  readonly upstreamStatus: number | undefined;
  /** For `parakey_rate_limited`: what Parakey's last Retry-After asked for, when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ParakeyErrorCode,
    message: string,
    details: { attempts: number; upstreamStatus?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    const retryable = RETRYABLE[code];
    // Seen from our own APIs a failing upstream is a bad gateway, or unavailable if it may recover.
    super(code, message, { retryable, status: retryable ? 503 : 502, cause: details.cause });
    this.name = "ParakeyApiError";
    this.attempts = details.attempts;
    this.upstreamStatus = details.upstreamStatus;
    this.retryAfterMs = details.retryAfterMs;
  }
}
