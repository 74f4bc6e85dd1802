/**
 * The wait before the next poll: the interval plus a random share of the jitter. Jitter is only
 * ever added, so the wait never drops below the interval (which config keeps at 60 s or more).
 *
 * @example
 * jitteredDelayMs(300_000, 30_000, Math.random); // between 300 000 and 330 000
 */
export function jitteredDelayMs(intervalMs: number, jitterMs: number, random: () => number): number {
  const share = Math.min(Math.max(random(), 0), 1);
  return intervalMs + Math.floor(share * jitterMs);
}
