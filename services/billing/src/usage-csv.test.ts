import { describe, expect, it } from "vitest";
import { type UsageLine, usageCsv } from "./usage-csv.js";

/** A line of January 2026's export for `dom_a` in UTC, one of each figure, unless `overrides` say otherwise. */
const januaryLine = (overrides: Partial<UsageLine>): UsageLine => ({
  period: "2026-01",
  domainId: "dom_a",
  timeZone: "UTC",
  line: "usage",
  successfulUnlocks: 1,
  activeUsers: 1,
  activeDevices: 1,
  ...overrides,
});

describe("usageCsv", () => {
  it("writes a header and one CRLF-terminated row per line, adjustments naming their event log", () => {
    const csv = usageCsv([
      januaryLine({
        timeZone: "Europe/Stockholm",
        line: "issued",
        successfulUnlocks: 120,
        activeUsers: 14,
        activeDevices: 3,
      }),
      januaryLine({
        timeZone: "Europe/Stockholm",
        line: "adjustment",
        activeDevices: 0,
        eventLogId: "el_late",
        occurredAt: "2026-01-31T10:00:00.000Z",
        recordedAt: "2026-02-02T10:00:00.000Z",
      }),
    ]);
    expect(csv).toBe(
      "period,domain_id,time_zone,line,successful_unlocks,active_users,active_devices,event_log_id,occurred_at,recorded_at\r\n" +
        "2026-01,dom_a,Europe/Stockholm,issued,120,14,3,,,\r\n" +
        "2026-01,dom_a,Europe/Stockholm,adjustment,1,1,0,el_late,2026-01-31T10:00:00.000Z,2026-02-02T10:00:00.000Z\r\n",
    );
  });

  it("quotes commas and quotes, and defuses cells a spreadsheet would run as a formula", () => {
    const csv = usageCsv([januaryLine({ domainId: '=HYPERLINK("x"),1' })]);
    expect(csv.split("\r\n")[1]).toBe(`2026-01,"'=HYPERLINK(""x""),1",UTC,usage,1,1,1,,,`);
  });

  it("is just the header for a period without usage", () => {
    expect(usageCsv([]).split("\r\n")).toHaveLength(2);
  });
});
