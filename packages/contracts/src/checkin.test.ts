import { describe, expect, it } from "vitest";
import {
  type CheckIn,
  checkInHeaders,
  checkInIdOf,
  decodeCheckIn,
  encodeCheckIn,
  IanaTimeZone,
  isSuccessfulUnlock,
  localDateOf,
} from "./checkin.js";

describe("localDateOf", () => {
  it.each([
    {
      behaviour: "puts 23:30 UTC on the next day in Europe/Stockholm",
      instant: "2026-11-23T23:30:00Z",
      zone: "Europe/Stockholm",
      date: "2026-11-24",
    },
    {
      behaviour: "puts 23:30 UTC on the same day in UTC",
      instant: "2026-11-23T23:30:00Z",
      zone: "UTC",
      date: "2026-11-23",
    },
    {
      behaviour:
        "follows daylight saving time: Stockholm is UTC+2 in summer, so 22:30 UTC is already tomorrow",
      instant: "2026-07-01T22:30:00Z",
      zone: "Europe/Stockholm",
      date: "2026-07-02",
    },
    {
      behaviour: "follows daylight saving time: Stockholm is UTC+1 in winter, so 22:30 UTC is still today",
      instant: "2026-01-01T22:30:00Z",
      zone: "Europe/Stockholm",
      date: "2026-01-01",
    },
    {
      behaviour: "puts an early-morning UTC instant (a Date) on the previous day in America/New_York",
      instant: new Date("2026-03-01T03:00:00Z"),
      zone: "America/New_York",
      date: "2026-02-28",
    },
  ])("$behaviour", ({ instant, zone, date }) => {
    expect(localDateOf(instant, zone)).toBe(date);
  });
});

describe("IanaTimeZone", () => {
  it.each(["UTC", "Europe/Stockholm", "America/New_York", "America/Argentina/Buenos_Aires"])(
    "accepts %s",
    (zone) => {
      expect(IanaTimeZone.safeParse(zone).success).toBe(true);
    },
  );

  it.each(["Europe/Stockholmm", "+01:00", "", "Mars/Olympus"])(
    "refuses %j with a message naming it",
    (zone) => {
      const result = IanaTimeZone.safeParse(zone);
      expect(result.success).toBe(false);
    },
  );

  it("names the unknown zone in the error", () => {
    const result = IanaTimeZone.safeParse("Europe/Stockholmm");
    expect(result.error?.issues[0]?.message).toContain("Europe/Stockholmm");
  });
});

describe("isSuccessfulUnlock", () => {
  it("counts only unlocks that say they succeeded", () => {
    expect(isSuccessfulUnlock({ success: true })).toBe(true);
    expect(isSuccessfulUnlock({ success: false })).toBe(false);
    expect(isSuccessfulUnlock({ success: null })).toBe(false);
  });
});

describe("check-in ids and records", () => {
  const checkIn: CheckIn = {
    checkInId: checkInIdOf("dom_hq", "usr_ada", "2026-11-23"),
    domainId: "dom_hq",
    userId: "usr_ada",
    localDate: "2026-11-23",
    timeZone: "Europe/Stockholm",
    firstEventLogId: "el_1",
    deviceId: "dev_1",
    occurredAt: "2026-11-23T08:00:00.000Z",
    recordedAt: "2026-11-23T08:00:01.000Z",
    delayMs: 1000,
    live: true,
  };

  it("gives the same id for the same domain, user and day, and another for another day", () => {
    expect(checkInIdOf("dom_hq", "usr_ada", "2026-11-23")).toBe(checkIn.checkInId);
    expect(checkInIdOf("dom_hq", "usr_ada", "2026-11-24")).not.toBe(checkIn.checkInId);
    expect(checkIn.checkInId).toMatch(/^ci_[0-9a-f]{32}$/);
    expect(checkIn.checkInId).not.toContain("usr_ada");
  });

  it("keys the CloudEvents headers on the check-in id and the domain", () => {
    expect(checkInHeaders(checkIn)).toMatchObject({
      ce_id: checkIn.checkInId,
      ce_type: "co.parakey.bridge.check-in.v1",
      ce_source: "/parakey/domains/dom_hq",
      ce_partitionkey: "dom_hq",
      ce_time: checkIn.occurredAt,
      "pb-live": "true",
    });
  });

  it("round-trips through the record value and reports a bad value as a reason", () => {
    expect(decodeCheckIn(encodeCheckIn(checkIn))).toEqual({ ok: true, value: checkIn });
    expect(decodeCheckIn(Buffer.from("{}")).ok).toBe(false);
    expect(decodeCheckIn(null).ok).toBe(false);
  });
});
