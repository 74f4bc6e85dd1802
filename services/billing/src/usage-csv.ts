import { stringify } from "csv-stringify/sync";

/**
 * One line of a period's usage export. For an open period each domain has one provisional `usage`
 * line; for a closed period the `issued` line holds the figures as issued at close and each late
 * change is its own `adjustment` line, so a domain's lines always add up to its current meters.
 */
export interface UsageLine {
  period: string;
  domainId: string;
  timeZone: string;
  line: "usage" | "issued" | "adjustment";
  successfulUnlocks: number;
  activeUsers: number;
  activeDevices: number;
  /** Adjustments: the late unlock that caused it. */
  eventLogId?: string | undefined;
  occurredAt?: string | undefined;
  recordedAt?: string | undefined;
}

/** Column order of the export (the header row). */
export const USAGE_CSV_COLUMNS = [
  "period",
  "domain_id",
  "time_zone",
  "line",
  "successful_unlocks",
  "active_users",
  "active_devices",
  "event_log_id",
  "occurred_at",
  "recorded_at",
] as const;

/**
 * The usage export as RFC 4180 CSV (CRLF line ends, quoting where needed). Cells that a spreadsheet
 * would run as a formula (`=`, `+`, `-`, `@` first) are escaped: domain ids come from Parakey, not us.
 *
 * @example
 * usageCsv([{ period: "2026-01", domainId: "dom_a", timeZone: "UTC", line: "usage", successfulUnlocks: 3, activeUsers: 2, activeDevices: 1 }]);
 * // "period,domain_id,…\r\n2026-01,dom_a,UTC,usage,3,2,1,,,\r\n"
 */
export function usageCsv(lines: readonly UsageLine[]): string {
  return stringify(
    lines.map((l) => [
      l.period,
      l.domainId,
      l.timeZone,
      l.line,
      l.successfulUnlocks,
      l.activeUsers,
      l.activeDevices,
      l.eventLogId ?? "",
      l.occurredAt ?? "",
      l.recordedAt ?? "",
    ]),
    { header: true, columns: [...USAGE_CSV_COLUMNS], record_delimiter: "windows", escape_formulas: true },
  );
}
