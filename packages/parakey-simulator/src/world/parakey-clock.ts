import type { Clock } from "@parakey-bridge/service-kit";

/**
 * Parakey's clock: the real clock shifted by `offsetMs` (positive = Parakey runs ahead). It stamps
 * `createdAt` and answers `startDate` filters, so a bridge that trusts its own clock as the
 * high-water mark loses event logs when the offset is negative, just as it would in production.
 *
 * @example
 * const parakeyClock = offsetClock(systemClock, -30_000); // Parakey 30 s behind
 */
export function offsetClock(base: Clock, offsetMs: number): Clock {
  if (offsetMs === 0) return base;
  return {
    now: () => new Date(base.nowMs() + offsetMs),
    nowMs: () => base.nowMs() + offsetMs,
  };
}
