import { setTimeout as delay } from "node:timers/promises";
import type { Clock } from "@parakey-bridge/service-kit";
import { type BackoffOptions, fullJitterDelayMs } from "./backoff.js";
import { ParakeyApiError, type ParakeyErrorCode } from "./errors.js";
import { parseRetryAfter } from "./retry-after.js";

/** Waits `ms`, or rejects when `signal` aborts. Injected so tests can record waits instead of waiting. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real sleep. */
export const realSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined);

/** Why an attempt is being retried; handed to `onRetry` for logs and metrics. */
export interface RetryInfo {
  /** The attempt that failed (1 for the first request). */
  attempt: number;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  code: ParakeyErrorCode;
  /** Parakey's status, when it answered. */
  status?: number;
}

export interface RetryPolicy {
  fetch: typeof fetch;
  sleep: Sleep;
  clock: Clock;
  random: () => number;
  /** Budget of one attempt, response body included. */
  timeoutMs: number;
  /** Requests in all, the first included. */
  maxAttempts: number;
  backoff: BackoffOptions;
  /** A 429 asking for a longer wait than this gives up at once (retryable) instead of blocking the caller. */
  maxRetryAfterMs: number;
  onRetry?: (retry: RetryInfo) => void;
}

/** An answer that is not worth retrying (2xx, 304, 4xx other than 429), body read in full. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
  attempts: number;
}

type Attempt =
  | { kind: "answer"; status: number; headers: Headers; body: string }
  | {
      kind: "failed";
      code: ParakeyErrorCode;
      message: string;
      status?: number;
      retryAfterMs?: number;
      cause?: unknown;
    };

/**
 * GETs `url`, retrying what may pass: 429 after its Retry-After (or the backoff when it has none),
 * 5xx, timeouts and network errors after an exponential backoff with full jitter. Gives up with a
 * `ParakeyApiError` after `maxAttempts`. An abort by the caller's `signal` is passed through as is.
 *
 * @example
 * const answer = await getWithRetry(new URL("https://api.parakey.co/eventLogs?limit=1"), headers, policy);
 */
export async function getWithRetry(
  url: URL,
  headers: Record<string, string>,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<HttpAnswer> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(url, headers, policy, signal);
    if (outcome.kind === "answer") return { ...outcome, attempts: attempt };
    const details = {
      attempts: attempt,
      upstreamStatus: outcome.status,
      retryAfterMs: outcome.retryAfterMs,
      cause: outcome.cause,
    };
    if (attempt >= policy.maxAttempts) {
      throw new ParakeyApiError(
        outcome.code,
        `${outcome.message} (gave up after ${attempt} attempts)`,
        details,
      );
    }
    if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > policy.maxRetryAfterMs) {
      throw new ParakeyApiError(
        outcome.code,
        `Parakey asks to wait ${outcome.retryAfterMs} ms, more than the ${policy.maxRetryAfterMs} ms this client waits`,
        details,
      );
    }
    const delayMs = outcome.retryAfterMs ?? fullJitterDelayMs(attempt - 1, policy.backoff, policy.random);
    policy.onRetry?.({
      attempt,
      delayMs,
      code: outcome.code,
      ...(outcome.status === undefined ? {} : { status: outcome.status }),
    });
    try {
      await policy.sleep(delayMs, signal);
    } catch (error) {
      // Aborted while waiting: hand back the caller's own reason, as for an abort mid-request.
      throw signal?.aborted ? signal.reason : error;
    }
  }
}

async function attemptOnce(
  url: URL,
  headers: Record<string, string>,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
): Promise<Attempt> {
  const timeout = AbortSignal.timeout(policy.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const response = await policy.fetch(url, { method: "GET", headers, signal: combined });
    const status = response.status;
    if (status === 429 || status >= 500) {
      // Free the connection; the error body of a 429/5xx carries nothing we act on.
      await response.body?.cancel();
      if (status === 429) {
        const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), policy.clock.now());
        return {
          kind: "failed",
          code: "parakey_rate_limited",
          message: "Parakey answered 429 Too Many Requests",
          status,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        };
      }
      return { kind: "failed", code: "parakey_server_error", message: `Parakey answered ${status}`, status };
    }
    // Read under the same signal: a body that trickles in past the timeout is a timeout too.
    const body = await response.text();
    return { kind: "answer", status, headers: response.headers, body };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) {
      return {
        kind: "failed",
        code: "parakey_timeout",
        message: `Parakey did not answer within ${policy.timeoutMs} ms`,
        cause: error,
      };
    }
    return {
      kind: "failed",
      code: "parakey_network_error",
      message: `request to Parakey failed: ${(error as Error).message}`,
      cause: error,
    };
  }
}
