import { describe, expect, it } from "vitest";
import { isPeriodOver, Period, periodOf } from "./period.js";

describe("periodOf", () => {
  it("puts an unlock at 23:30 UTC on the last day of January into February in Europe/Stockholm", () => {
    expect(periodOf("2026-01-31T23:30:00.000Z", "Europe/Stockholm")).toBe("2026-02");
    expect(periodOf("2026-01-31T23:30:00.000Z", "UTC")).toBe("2026-01");
  });

  it("keeps an unlock early on the 1st of March UTC in February in America/New_York", () => {
    expect(periodOf("2026-03-01T03:00:00.000Z", "America/New_York")).toBe("2026-02");
  });
});

describe("Period", () => {
  it("accepts calendar months and refuses anything else", () => {
    expect(Period.safeParse("2026-01").success).toBe(true);
    for (const bad of ["2026-13", "2026-1", "2026-00", "202601", "2026-01-01"]) {
      expect(Period.safeParse(bad).success).toBe(false);
    }
  });
});

describe("isPeriodOver", () => {
  it("is over only when every billed zone has moved on to a later month", () => {
    const justAfterUtcMidnight = new Date("2026-02-01T00:30:00.000Z");
    expect(isPeriodOver("2026-01", justAfterUtcMidnight, ["UTC"])).toBe(true);
    expect(isPeriodOver("2026-01", justAfterUtcMidnight, ["UTC", "America/New_York"])).toBe(false);
    expect(isPeriodOver("2026-02", justAfterUtcMidnight, ["UTC"])).toBe(false);
    expect(isPeriodOver("2026-03", justAfterUtcMidnight, ["UTC"])).toBe(false);
  });
});
