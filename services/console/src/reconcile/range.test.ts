import { describe, expect, it } from "vitest";
import { daysBetween, instantWindow, parseRange } from "./range.js";

const now = new Date("2026-11-24T10:00:00Z");

describe("parseRange", () => {
  it("accepts a domain and an inclusive range of past days; `to` defaults to `from`", () => {
    expect(parseRange({ domain: "dom_1", from: "2026-11-20", to: "2026-11-23" }, now)).toEqual({
      domainId: "dom_1",
      fromDate: "2026-11-20",
      toDate: "2026-11-23",
    });
    expect(parseRange({ from: "2026-11-23" }, now)).toEqual({
      domainId: null,
      fromDate: "2026-11-23",
      toDate: "2026-11-23",
    });
    expect(parseRange({ domain: "all", from: "2026-11-23" }, now).domainId).toBeNull();
  });

  it("refuses malformed, reversed, future and over-long ranges and malformed domains with a clear message", () => {
    expect(() => parseRange({ from: "23.11.2026" }, now)).toThrow("from must be a date YYYY-MM-DD");
    expect(() => parseRange({}, now)).toThrow("from must be a date");
    expect(() => parseRange({ from: "2026-11-23", to: "2026-11-20" }, now)).toThrow("the range is reversed");
    expect(() => parseRange({ from: "2026-11-26" }, now)).toThrow("the range is in the future");
    expect(() => parseRange({ from: "2026-09-01", to: "2026-11-01" }, now)).toThrow("at most 31 days");
    expect(() => parseRange({ domain: "<script>", from: "2026-11-23" }, now)).toThrow(
      "not a valid domain id",
    );
  });

  it("accepts today in the zone furthest ahead (a day already begun somewhere)", () => {
    expect(parseRange({ from: "2026-11-25" }, now).toDate).toBe("2026-11-25");
  });
});

describe("the instants a range covers", () => {
  it("lists every day and spans the range in every time zone", () => {
    expect(daysBetween("2026-11-29", "2026-12-02")).toEqual([
      "2026-11-29",
      "2026-11-30",
      "2026-12-01",
      "2026-12-02",
    ]);
    const window = instantWindow({ domainId: null, fromDate: "2026-11-23", toDate: "2026-11-23" });
    expect(window.start.toISOString()).toBe("2026-11-22T10:00:00.000Z");
    expect(window.end.toISOString()).toBe("2026-11-24T14:00:00.000Z");
  });
});
