import { ValidationError } from "@parakey-bridge/service-kit";
import { z } from "zod";

const LocalDate = z.iso.date();
/** Event log ids as Parakey issues them (and as the topic's `ce_id` carries them). */
export const EventLogId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, "an event log id is 1–128 of A–Z a–z 0–9 _ -");
const MAX_DAYS = 31;
const DAY_MS = 86_400_000;
/** Every zone's offset lies within ±14 h of UTC. */
const MAX_ZONE_OFFSET_MS = 14 * 3_600_000;

/** A validated request: a domain (or every domain) and an inclusive range of local days. */
export interface ReconcileRange {
  domainId: string | null;
  fromDate: string;
  toDate: string;
}

/**
 * Validates a range of local days: well-formed dates, `from <= to`, at most 31 days, nothing after
 * today (in the zone furthest ahead, so a day already begun somewhere can be asked). A clear
 * `ValidationError` otherwise.
 *
 * @example
 * parseRange({ domain: "dom_1", from: "2026-11-23", to: "2026-11-23" }, new Date());
 */
export function parseRange(
  input: { domain?: string | undefined; from?: string | undefined; to?: string | undefined },
  now: Date,
): ReconcileRange {
  const from = LocalDate.safeParse(input.from);
  const to = LocalDate.safeParse(input.to ?? input.from);
  if (!from.success) throw new ValidationError("from must be a date YYYY-MM-DD");
  if (!to.success) throw new ValidationError("to must be a date YYYY-MM-DD");
  if (to.data < from.data)
    throw new ValidationError(`the range is reversed: to ${to.data} is before from ${from.data}`);
  const latest = new Date(now.getTime() + MAX_ZONE_OFFSET_MS).toISOString().slice(0, 10);
  if (to.data > latest)
    throw new ValidationError(`the range is in the future: ${to.data} has not begun anywhere yet`);
  if (daysBetween(from.data, to.data).length > MAX_DAYS) {
    throw new ValidationError(`a range is at most ${MAX_DAYS} days; split it`);
  }
  const domain =
    input.domain === undefined || input.domain === "" || input.domain === "all" ? null : input.domain;
  if (domain !== null && !/^[A-Za-z0-9_.:-]{1,128}$/.test(domain))
    throw new ValidationError("domain is not a valid domain id");
  return { domainId: domain, fromDate: from.data, toDate: to.data };
}

/** Every local date from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
    if (days.length > 400) break;
  }
  return days;
}

/**
 * The instants that certainly contain every local day of the range in any zone: from the start of
 * `from` in the zone furthest ahead to the end of `to` in the zone furthest behind. Events are then
 * bucketed by their own domain's local date.
 */
export function instantWindow(range: ReconcileRange): { start: Date; end: Date } {
  return {
    start: new Date(Date.parse(`${range.fromDate}T00:00:00Z`) - MAX_ZONE_OFFSET_MS),
    end: new Date(Date.parse(`${range.toDate}T00:00:00Z`) + DAY_MS + MAX_ZONE_OFFSET_MS),
  };
}
