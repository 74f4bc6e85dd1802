import type { PollerCheckpoint } from "./checkpoint.js";

/**
 * How far Parakey's newest `createdAt` may run ahead of our clock before the `limit=1` change check
 * is no longer trusted (see `trustsChangeCheck`). Above ordinary NTP disagreement.
 */
export const CLOCK_AHEAD_TOLERANCE_MS = 5_000;

/**
 * Where the next read starts: `min(highWaterMark, readAt) − overlap`, never before the configured
 * start date.
 *
 * Why both terms: everything Parakey showed at `readAt` (our clock, when the last read began) with
 * `createdAt` up to the high-water mark was produced; whatever it shows later is stamped with
 * Parakey's clock at that later moment. If Parakey runs behind us, the high-water mark is the lower
 * term and the overlap covers events still in flight. If Parakey runs ahead and is then corrected,
 * new events are stamped below the high-water mark: our clock at the last read, as a ceiling (it can
 * only move the start earlier), keeps them inside the window as long as the overlap exceeds how far
 * Parakey's clock falls behind ours. A read that found nothing leaves only `readAt`, which is enough.
 * Without any checkpoint: the configured start date, else now − overlap.
 *
 * @example
 * pollStartDate({ highWaterMark: t, readAt: t }, { overlapMs: 300_000, now }); // t − 5 min
 */
export function pollStartDate(
  checkpoint: PollerCheckpoint | undefined,
  options: { overlapMs: number; now: Date; startDate?: Date | undefined },
): Date {
  const ceiling = Math.min(
    checkpoint?.highWaterMark?.getTime() ?? Number.POSITIVE_INFINITY,
    checkpoint?.readAt?.getTime() ?? Number.POSITIVE_INFINITY,
  );
  if (ceiling === Number.POSITIVE_INFINITY) {
    return options.startDate ?? new Date(options.now.getTime() - options.overlapMs);
  }
  const start = ceiling - options.overlapMs;
  return new Date(Math.max(start, options.startDate?.getTime() ?? start));
}

/**
 * The high-water mark after seeing `createdAt` values: the largest one seen, never lower than
 * before, never our clock.
 *
 * @example
 * nextHighWaterMark(new Date("2026-11-23T08:00:00Z"), [new Date("2026-11-23T08:05:00Z")]); // 08:05
 */
export function nextHighWaterMark(previous: Date | undefined, seen: readonly Date[]): Date | undefined {
  let highest = previous?.getTime();
  for (const createdAt of seen) {
    const ms = createdAt.getTime();
    if (highest === undefined || ms > highest) highest = ms;
  }
  return highest === undefined ? undefined : new Date(highest);
}

/**
 * Whether a 304 to `GET /eventLogs?limit=1` may end the poll. That request shows only the newest
 * event log, so an event stamped *below* the newest one (Parakey's clock stepped back) changes
 * nothing it sees. While the newest `createdAt` we saw was ahead of our clock, such a correction is
 * likely, so the check is sent without `If-None-Match` and the read always runs. Without an ETag
 * there is nothing to compare anyway.
 *
 * @example
 * trustsChangeCheck({ etag: '"a"', highWaterMark: t, readAt: t }); // true
 */
export function trustsChangeCheck(checkpoint: PollerCheckpoint | undefined): boolean {
  if (checkpoint?.etag === undefined) return false;
  const { highWaterMark, readAt } = checkpoint;
  if (highWaterMark === undefined || readAt === undefined) return true;
  return highWaterMark.getTime() - readAt.getTime() <= CLOCK_AHEAD_TOLERANCE_MS;
}
