import { localDateOf } from "@parakey-bridge/contracts";

/** Entries kept before the memo starts over: a few hundred domains × a day's minutes at most. */
const MAX_ENTRIES = 100_000;
const MINUTE_MS = 60_000;

/**
 * `localDateOf` remembered per time zone and UTC minute. `localDateOf` formats with
 * `Intl.DateTimeFormat#formatToParts`, which was the check-in planner's biggest cost per unlock
 * (issue 17, item 2); a backlog has thousands of unlocks per domain and minute. A minute is
 * remembered only when its first and last millisecond fall on the same local day, so a minute
 * holding a local midnight (which happens inside a minute for zones with offsets in seconds, such
 * as before 1972) is always formatted per instant. A date that changed and changed back within
 * one minute would take two zone transitions in that minute, which no zone has.
 *
 * @example
 * const dates = new LocalDates();
 * dates.of("2026-11-23T23:30:00.000Z", "Europe/Stockholm"); // "2026-11-24"
 */
export class LocalDates {
  private readonly byMinute = new Map<string, string>();

  of(instant: string, timeZone: string): string {
    const ms = Date.parse(instant);
    if (!Number.isFinite(ms)) return localDateOf(instant, timeZone);
    const minuteStart = ms - (((ms % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
    const key = `${timeZone}\u0000${minuteStart}`;
    const known = this.byMinute.get(key);
    if (known !== undefined) return known;
    const first = localDateOf(new Date(minuteStart), timeZone);
    const last = localDateOf(new Date(minuteStart + MINUTE_MS - 1), timeZone);
    if (first !== last) return localDateOf(new Date(ms), timeZone);
    if (this.byMinute.size >= MAX_ENTRIES) this.byMinute.clear();
    this.byMinute.set(key, first);
    return first;
  }
}
