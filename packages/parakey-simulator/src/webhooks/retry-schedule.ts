const MINUTE = 60_000;

/**
 * Parakey's webhook retry schedule, the one place it is written down. Parakey says: 5 retries, the
 * last about 20 minutes after the first failure. Assumed spacing: 1, 2, 4, 5 and 8 minutes between
 * attempts, i.e. retries at +1, +3, +7, +12 and +20 minutes after the first failure.
 */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [1, 2, 4, 5, 8].map((minutes) => minutes * MINUTE);

/** Retries after the first attempt; when the last one fails the delivery is gone for good. */
export const WEBHOOK_RETRIES = WEBHOOK_RETRY_DELAYS_MS.length;

/** A receiver must answer 2xx within this long or the attempt failed. */
export const WEBHOOK_TIMEOUT_MS = 15_000;

/**
 * The wait before retry number `retry` (1 to {@link WEBHOOK_RETRIES}), scaled by `timeScale`
 * (0.001 runs the 20-minute schedule in 1.2 s); `undefined` when no retry is left.
 *
 * @example
 * retryDelayMs(1, 1); // 60_000
 * retryDelayMs(5, 0.001); // 480
 * retryDelayMs(6, 1); // undefined: dropped
 */
export function retryDelayMs(retry: number, timeScale: number): number | undefined {
  const delay = WEBHOOK_RETRY_DELAYS_MS[retry - 1];
  return delay === undefined ? undefined : delay * timeScale;
}

/**
 * When each retry happens, counted from the first failure (scaled).
 *
 * @example
 * retryOffsetsMs(1).at(-1); // 1_200_000 — twenty minutes
 */
export function retryOffsetsMs(timeScale: number): number[] {
  let at = 0;
  return WEBHOOK_RETRY_DELAYS_MS.map((delay) => {
    at += delay * timeScale;
    return at;
  });
}
