/** How a retryable failure is retried in place. */
export interface RetryPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** No delay is longer than this, however many attempts failed. */
  maxMs: number;
  /** Growth per attempt. */
  multiplier: number;
  /**
   * Attempts (the first try included) before a write that keeps failing with a retryable error
   * pauses the group (probe, then resume) — it is never dead-lettered for it. An unreachable sink
   * does not count attempts: it pauses at once.
   */
  maxAttempts: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  initialMs: 200,
  maxMs: 30_000,
  multiplier: 2,
  maxAttempts: 10,
};

/**
 * The delay before retry number `attempt` (1 = first retry): capped exponential growth with "equal
 * jitter" — half the step is fixed, half random — so replicas that failed together do not retry in
 * lockstep, and no delay is ever shorter than half its step.
 *
 * @example
 * backoffDelay(3, { initialMs: 100, maxMs: 10_000, multiplier: 2, maxAttempts: 5 }); // 200..400 ms
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const step = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** exponent);
  return Math.round(step / 2 + random() * (step / 2));
}
