import { describe, expect, it } from "vitest";
import {
  CLOCK_AHEAD_TOLERANCE_MS,
  nextHighWaterMark,
  pollStartDate,
  trustsChangeCheck,
} from "./poll-window.js";

const MINUTE = 60_000;
const at = (iso: string) => new Date(iso);
const now = at("2026-11-23T12:00:00Z");
const overlapMs = 5 * MINUTE;

describe("pollStartDate", () => {
  it("starts a first poll at now minus the overlap", () => {
    expect(pollStartDate(undefined, { overlapMs, now })).toEqual(at("2026-11-23T11:55:00Z"));
  });

  it("starts a first poll at the configured start date when there is one", () => {
    const startDate = at("2026-11-01T00:00:00Z");
    expect(pollStartDate(undefined, { overlapMs, now, startDate })).toEqual(startDate);
  });

  it("resumes at the high-water mark minus the overlap, whatever our clock says now", () => {
    const checkpoint = { highWaterMark: at("2026-11-23T10:00:00Z"), readAt: at("2026-11-23T10:00:02Z") };
    expect(pollStartDate(checkpoint, { overlapMs, now })).toEqual(at("2026-11-23T09:55:00Z"));
  });

  it("caps a high-water mark stamped by a Parakey clock running ahead at our clock of the last read", () => {
    // Parakey 3 min ahead: the newest createdAt seen is 10:03 though the read began at 10:00 our time.
    const checkpoint = { highWaterMark: at("2026-11-23T10:03:00Z"), readAt: at("2026-11-23T10:00:00Z") };
    expect(pollStartDate(checkpoint, { overlapMs, now })).toEqual(at("2026-11-23T09:55:00Z"));
  });

  it("resumes after a read that found nothing from that read's time minus the overlap", () => {
    expect(pollStartDate({ readAt: at("2026-11-23T11:00:00Z") }, { overlapMs, now })).toEqual(
      at("2026-11-23T10:55:00Z"),
    );
  });

  it("never starts before the configured start date", () => {
    const startDate = at("2026-11-23T09:58:00Z");
    const checkpoint = { highWaterMark: at("2026-11-23T10:00:00Z"), readAt: at("2026-11-23T10:00:00Z") };
    expect(pollStartDate(checkpoint, { overlapMs, now, startDate })).toEqual(startDate);
  });
});

describe("nextHighWaterMark", () => {
  it("is the largest createdAt seen", () => {
    const seen = [at("2026-11-23T10:01:00Z"), at("2026-11-23T10:05:00Z"), at("2026-11-23T10:03:00Z")];
    expect(nextHighWaterMark(at("2026-11-23T10:00:00Z"), seen)).toEqual(at("2026-11-23T10:05:00Z"));
  });

  it("never moves back when a page holds only older (late-visible) event logs", () => {
    expect(nextHighWaterMark(at("2026-11-23T10:00:00Z"), [at("2026-11-23T09:00:00Z")])).toEqual(
      at("2026-11-23T10:00:00Z"),
    );
  });

  it("stays unknown until an event log was seen (our clock never stands in)", () => {
    expect(nextHighWaterMark(undefined, [])).toBeUndefined();
  });
});

describe("trustsChangeCheck", () => {
  const t = at("2026-11-23T10:00:00Z");

  it("sends the saved ETag when Parakey's newest createdAt was not ahead of our clock", () => {
    expect(trustsChangeCheck({ etag: '"e"', highWaterMark: t, readAt: t })).toBe(true);
    const slightlyAhead = new Date(t.getTime() + CLOCK_AHEAD_TOLERANCE_MS);
    expect(trustsChangeCheck({ etag: '"e"', highWaterMark: slightlyAhead, readAt: t })).toBe(true);
  });

  it("reads regardless while Parakey's clock ran ahead (a correction would hide events from limit=1)", () => {
    const ahead = new Date(t.getTime() + 3 * MINUTE);
    expect(trustsChangeCheck({ etag: '"e"', highWaterMark: ahead, readAt: t })).toBe(false);
  });

  it("has nothing to compare without a saved ETag", () => {
    expect(trustsChangeCheck(undefined)).toBe(false);
    expect(trustsChangeCheck({ highWaterMark: t, readAt: t })).toBe(false);
  });
});
