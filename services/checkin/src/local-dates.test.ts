import { localDateOf } from "@parakey-bridge/contracts";
import { describe, expect, it } from "vitest";
import { LocalDates } from "./local-dates.js";

/** Every `stepMs` from `from` for `spanMs`, as ISO strings. */
function instants(from: string, spanMs: number, stepMs: number): string[] {
  const start = Date.parse(from);
  return Array.from({ length: Math.floor(spanMs / stepMs) }, (_, i) =>
    new Date(start + i * stepMs).toISOString(),
  );
}

describe("LocalDates", () => {
  it("gives the same local day as localDateOf around a local midnight and both DST changes", () => {
    const dates = new LocalDates();
    const cases: [string, string][] = [
      ["2026-11-23T22:58:00.000Z", "Europe/Stockholm"], // local midnight in winter (UTC+1)
      ["2026-03-29T00:58:00.000Z", "Europe/Stockholm"], // clocks forward 02:00 → 03:00
      ["2026-10-25T00:58:00.000Z", "Europe/Stockholm"], // clocks back 03:00 → 02:00
      ["2026-11-01T04:58:00.000Z", "America/Sao_Paulo"],
      ["2026-04-04T13:13:00.000Z", "Asia/Kathmandu"], // UTC+5:45: midnight at 18:15 UTC
      ["2026-11-23T23:58:00.000Z", "UTC"],
    ];
    for (const [from, zone] of cases) {
      for (const at of instants(from, 4 * 60_000, 7_001)) {
        expect(dates.of(at, zone), `${at} in ${zone}`).toBe(localDateOf(at, zone));
      }
    }
  });

  it("formats each instant of a minute that holds a local midnight of an offset in seconds", () => {
    // Africa/Monrovia was UTC−0:44:30 until 1972: its midnight fell at hh:44:30 UTC, mid-minute.
    const dates = new LocalDates();
    const around = instants("1970-06-01T00:43:00.000Z", 3 * 60_000, 5_000);
    for (const at of around)
      expect(dates.of(at, "Africa/Monrovia"), at).toBe(localDateOf(at, "Africa/Monrovia"));
    expect(new Set(around.map((at) => dates.of(at, "Africa/Monrovia")))).toEqual(
      new Set(["1970-05-31", "1970-06-01"]),
    );
  });

  it("answers a remembered minute again for every zone it was asked about", () => {
    const dates = new LocalDates();
    expect(dates.of("2026-11-23T23:30:00.000Z", "Europe/Stockholm")).toBe("2026-11-24");
    expect(dates.of("2026-11-23T23:30:00.000Z", "UTC")).toBe("2026-11-23");
    expect(dates.of("2026-11-23T23:30:59.999Z", "Europe/Stockholm")).toBe("2026-11-24");
  });
});
