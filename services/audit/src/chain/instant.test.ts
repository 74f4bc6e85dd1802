import { describe, expect, it } from "vitest";
import { canonicalInstant } from "./instant.js";

const viaDate = (value: string) => new Date(value).toISOString();

describe("canonicalInstant", () => {
  it("gives what new Date(value).toISOString() gives, for instants already in that form and others", () => {
    const values = [
      "2026-11-23T08:00:00.000Z",
      "0000-01-01T00:00:00.000Z",
      "9999-12-28T23:59:59.999Z",
      "2024-02-29T12:00:00.000Z", // a leap day: the full way
      "2026-04-30T23:59:59.999Z",
      "2026-12-31T23:59:59.999Z",
      "2026-11-23T08:00:00Z",
      "2026-11-23T08:00:00.5Z",
      "2026-11-23T08:00:00.000+01:00",
      "2026-11-23T24:00:00.000Z",
      "2026-11-23T08:00:00.123456Z",
    ];
    for (const value of values) expect(canonicalInstant(value), value).toBe(viaDate(value));
  });

  it("throws for a date that does not exist, as the full way does", () => {
    expect(() => canonicalInstant("2026-13-01T00:00:00.000Z")).toThrow(RangeError);
    expect(() => canonicalInstant("not a date")).toThrow(RangeError);
  });
});
