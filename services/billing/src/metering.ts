import { type DoorEvent, isSuccessfulUnlock } from "@parakey-bridge/contracts";
import { periodOf } from "./period.js";

/** A successful unlock in a domain, placed in its billing period. */
export interface MeteredUnlock {
  eventLogId: string;
  domainId: string;
  period: string;
  timeZone: string;
  userId: string | null;
  deviceId: string;
  occurredAt: string;
  recordedAt: string;
}

/** How much one unlock (or a batch) moves a domain's meters of a period. */
export interface MeterDelta {
  successfulUnlocks: number;
  activeUsers: number;
  activeDevices: number;
}

/** A domain's meters of one period, moved by a batch. */
export interface MeterChange extends MeterDelta {
  domainId: string;
  period: string;
  timeZone: string;
}

/** A change to a period already closed: billed as its own line, the issued figures stay as issued. */
export interface AdjustmentLine extends MeterDelta {
  domainId: string;
  period: string;
  eventLogId: string;
  occurredAt: string;
  recordedAt: string;
}

/**
 * What billing counts: successful unlocks in a domain. Failed unlocks and unlocks without a domain
 * are not usage; an unlock without a user (anonymised) still counts as an unlock and for its device.
 *
 * @example
 * meteredUnlock(event, (domainId) => "Europe/Stockholm"); // { period: "2026-02", … } or undefined
 */
export function meteredUnlock(
  event: DoorEvent,
  timeZoneOf: (domainId: string) => string,
): MeteredUnlock | undefined {
  if (event.domainId === null || !isSuccessfulUnlock(event)) return undefined;
  const timeZone = timeZoneOf(event.domainId);
  return {
    eventLogId: event.eventLogId,
    domainId: event.domainId,
    period: periodOf(event.occurredAt, timeZone),
    timeZone,
    userId: event.userId,
    deviceId: event.deviceId,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
  };
}

/**
 * The adjustment decision: a change to a period that is still open just moves its meters; a change
 * to a closed period becomes an adjustment line (an issued figure is never changed silently). A
 * change that moves nothing needs no line.
 *
 * @example
 * adjustmentFor(true, { successfulUnlocks: 1, activeUsers: 0, activeDevices: 0 }); // the same delta: bill it
 * adjustmentFor(false, { successfulUnlocks: 1, activeUsers: 1, activeDevices: 0 }); // undefined
 */
export function adjustmentFor(periodClosed: boolean, delta: MeterDelta): MeterDelta | undefined {
  if (!periodClosed) return undefined;
  if (delta.successfulUnlocks === 0 && delta.activeUsers === 0 && delta.activeDevices === 0) return undefined;
  return delta;
}

/** Key of a distinct user or device within a domain's period. */
export const distinctKey = (domainId: string, period: string, id: string) =>
  `${domainId}\u0000${period}\u0000${id}`;

/**
 * Folds a batch of new unlocks into meter changes and adjustment lines. `newUsers`/`newDevices` are
 * the (domain, period, id) keys this batch was the first to see (the database decided that); the
 * first unlock of the batch with such a key carries the +1. Each unlock in a closed period becomes
 * one adjustment line naming its event log. Results are sorted by key (stable lock order).
 *
 * @example
 * const { meters, adjustments } = meterChanges(unlocks, newUsers, newDevices, new Set(["2026-01"]));
 */
export function meterChanges(
  unlocks: readonly MeteredUnlock[],
  newUsers: ReadonlySet<string>,
  newDevices: ReadonlySet<string>,
  closedPeriods: ReadonlySet<string>,
): { meters: MeterChange[]; adjustments: AdjustmentLine[] } {
  const users = new Set(newUsers);
  const devices = new Set(newDevices);
  const meters = new Map<string, MeterChange>();
  const adjustments: AdjustmentLine[] = [];
  for (const unlock of unlocks) {
    const delta: MeterDelta = {
      successfulUnlocks: 1,
      activeUsers:
        unlock.userId !== null && users.delete(distinctKey(unlock.domainId, unlock.period, unlock.userId))
          ? 1
          : 0,
      activeDevices: devices.delete(distinctKey(unlock.domainId, unlock.period, unlock.deviceId)) ? 1 : 0,
    };
    const key = `${unlock.domainId}\u0000${unlock.period}`;
    const meter = meters.get(key) ?? {
      domainId: unlock.domainId,
      period: unlock.period,
      timeZone: unlock.timeZone,
      successfulUnlocks: 0,
      activeUsers: 0,
      activeDevices: 0,
    };
    meter.successfulUnlocks += delta.successfulUnlocks;
    meter.activeUsers += delta.activeUsers;
    meter.activeDevices += delta.activeDevices;
    meters.set(key, meter);
    const adjustment = adjustmentFor(closedPeriods.has(unlock.period), delta);
    if (adjustment !== undefined) {
      adjustments.push({
        domainId: unlock.domainId,
        period: unlock.period,
        eventLogId: unlock.eventLogId,
        occurredAt: unlock.occurredAt,
        recordedAt: unlock.recordedAt,
        ...adjustment,
      });
    }
  }
  const sorted = [...meters].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, meter]) => meter);
  return { meters: sorted, adjustments };
}
