/** Exponential backoff bounds: the cap doubles from `baseMs` per retry up to `maxMs`. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Defaults for Parakey calls: 0.5 s, 1 s, 2 s … capped at 30 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * The delay before retry number `retry` (0 for the first retry) with "full jitter": uniformly random
 * in `[0, min(maxMs, baseMs · 2^retry))`. Full jitter spreads the retries of many pollers hitting the
 * same outage instead of having them return in lockstep.
 *
 * @example
 * fullJitterDelayMs(3, { baseMs: 500, maxMs: 30_000 }, Math.random); // somewhere in [0, 4000)
 */
export function fullJitterDelayMs(retry: number, options: BackoffOptions, random: () => number): number {
  return Math.floor(random() * backoffCapMs(retry, options));
}

/**
 * The upper bound of the jittered delay before retry number `retry`.
 *
 * @example
 * backoffCapMs(2, { baseMs: 500, maxMs: 30_000 }); // 2000
 */
export function backoffCapMs(retry: number, options: BackoffOptions): number {
  // 2^retry overflows to Infinity for absurd retry counts; min() still caps it at maxMs.
  return Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry));
}
