import { type CheckIn, checkInIdOf, type DoorEvent, isSuccessfulUnlock } from "@parakey-bridge/contracts";
import type { DomainSettings } from "./domain-settings.js";
import { LocalDates } from "./local-dates.js";

/** Local days of the unlocks planned in this process, remembered per zone and minute. */
const localDates = new LocalDates();

/**
 * Whether a check-in is live: its unlock reached Parakey within the domain's live window. This is
 * Parakey's "allowed offset" applied by the bridge, so notification consumers act only on live
 * check-ins while the record keeps late ones too. A window of 0 means only instant uploads are live.
 *
 * @example
 * isLive(2 * 86_400_000, 600_000); // false: uploaded two days late
 */
export function isLive(delayMs: number, liveWindowMs: number): boolean {
  return delayMs <= liveWindowMs;
}

/** What one unlock means for check-ins. */
export type UnlockKind =
  /** A successful unlock by a known person: makes or extends their presence that day. */
  | "person"
  /** Did not succeed (or did not say): counted for the day, never a check-in. */
  | "failed"
  /** Succeeded but carries no user (anonymised after Parakey's retention, or a shared code): counted only. */
  | "anonymous";

export type ClassifiedUnlock =
  | { counted: false; reason: "no_domain" }
  | {
      counted: true;
      kind: UnlockKind;
      domainId: string;
      localDate: string;
      timeZone: string;
    };

/**
 * Places an unlock on a domain's local day and says whether it can make a check-in. An unlock
 * without a domain belongs to no place's day and is not counted.
 *
 * @example
 * classifyUnlock(event, settings); // { counted: true, kind: "person", domainId: "dom_a", localDate: "2026-11-24", … }
 */
export function classifyUnlock(
  event: Pick<DoorEvent, "domainId" | "userId" | "success" | "occurredAt">,
  settings: DomainSettings,
): ClassifiedUnlock {
  if (event.domainId === null) return { counted: false, reason: "no_domain" };
  const timeZone = settings.timeZoneOf(event.domainId);
  const kind: UnlockKind = !isSuccessfulUnlock(event)
    ? "failed"
    : event.userId === null
      ? "anonymous"
      : "person";
  return {
    counted: true,
    kind,
    domainId: event.domainId,
    localDate: localDates.of(event.occurredAt, timeZone),
    timeZone,
  };
}

/** The unlocks of one domain on one local day, as counted from a batch. */
export interface DayCount {
  domainId: string;
  localDate: string;
  unlocks: number;
  successfulUnlocks: number;
  anonymousUnlocks: number;
}

/**
 * One person's presence on one local day as seen in a batch: the check-in their earliest unlock
 * would make, and how the day's first/last seen and unlock count move.
 */
export interface PresenceUpdate {
  candidate: CheckIn;
  firstSeenAt: string;
  lastSeenAt: string;
  lastDeviceId: string;
  unlockCount: number;
}

export interface DayPlan {
  days: DayCount[];
  presences: PresenceUpdate[];
  /** Unlocks that belong to no domain. */
  noDomain: number;
}

/**
 * Folds a batch of new (already deduplicated) unlocks into per-day counts and per-person presences.
 * Within a batch the earliest unlock of a person on a day is the candidate check-in, whatever order
 * the records came in (an offline lock uploads out of order). Results are sorted by key so concurrent
 * transactions lock rows in the same order.
 *
 * @example
 * const plan = planDays(newEvents, settings);
 * plan.presences[0]?.candidate.checkInId;
 */
export function planDays(events: readonly DoorEvent[], settings: DomainSettings): DayPlan {
  const days = new Map<string, DayCount>();
  const presences = new Map<string, PresenceUpdate>();
  let noDomain = 0;
  for (const event of events) {
    const unlock = classifyUnlock(event, settings);
    if (!unlock.counted) {
      noDomain += 1;
      continue;
    }
    const dayKey = `${unlock.domainId}\u0000${unlock.localDate}`;
    const day = days.get(dayKey) ?? {
      domainId: unlock.domainId,
      localDate: unlock.localDate,
      unlocks: 0,
      successfulUnlocks: 0,
      anonymousUnlocks: 0,
    };
    day.unlocks += 1;
    if (unlock.kind !== "failed") day.successfulUnlocks += 1;
    if (unlock.kind === "anonymous") day.anonymousUnlocks += 1;
    days.set(dayKey, day);
    if (unlock.kind !== "person" || event.userId === null) continue;

    const userId = event.userId;
    const presenceKey = `${dayKey}\u0000${userId}`;
    const existing = presences.get(presenceKey);
    if (existing === undefined) {
      presences.set(presenceKey, {
        candidate: candidateCheckIn(event, userId, unlock, settings),
        firstSeenAt: event.occurredAt,
        lastSeenAt: event.occurredAt,
        lastDeviceId: event.deviceId,
        unlockCount: 1,
      });
      continue;
    }
    existing.unlockCount += 1;
    const at = Date.parse(event.occurredAt);
    if (at < Date.parse(existing.firstSeenAt)) {
      existing.firstSeenAt = event.occurredAt;
      existing.candidate = candidateCheckIn(event, userId, unlock, settings);
    }
    if (at > Date.parse(existing.lastSeenAt)) {
      existing.lastSeenAt = event.occurredAt;
      existing.lastDeviceId = event.deviceId;
    }
  }
  const byKey = <T>(map: Map<string, T>) =>
    [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return { days: byKey(days), presences: byKey(presences), noDomain };
}

/** The check-in `event` makes for `userId` on its domain's local day, if it is the first of that day. */
function candidateCheckIn(
  event: DoorEvent,
  userId: string,
  day: { domainId: string; localDate: string; timeZone: string },
  settings: DomainSettings,
): CheckIn {
  const { domainId, localDate, timeZone } = day;
  return {
    checkInId: checkInIdOf(domainId, userId, localDate),
    domainId,
    userId,
    localDate,
    timeZone,
    firstEventLogId: event.eventLogId,
    deviceId: event.deviceId,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    delayMs: event.delayMs,
    live: isLive(event.delayMs, settings.liveWindowMsOf(domainId)),
  };
}
