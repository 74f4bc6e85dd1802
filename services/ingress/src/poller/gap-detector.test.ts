import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { describe, expect, it } from "vitest";
import { GapDetector } from "./gap-detector.js";

const MINUTE = 60_000;

describe("GapDetector", () => {
  it("counts an event as recovered once its window passed without the webhook storing it", () => {
    const clock = new ManualClock();
    const gaps = new GapDetector({ windowMs: 30 * MINUTE, clock });
    gaps.watch("el_lost", clock.now());
    gaps.watch("el_late_webhook", clock.now());
    expect(gaps.settle(() => false)).toEqual([]);

    clock.advance(30 * MINUTE);
    expect(gaps.settle((id) => id === "el_late_webhook")).toEqual(["el_lost"]);
    expect(gaps.size).toBe(0);
  });

  it("tells young events (the webhook may still come) from old ones", () => {
    const clock = new ManualClock();
    const gaps = new GapDetector({ windowMs: 30 * MINUTE, clock });
    expect(gaps.isYoung(new Date(clock.nowMs() - 29 * MINUTE))).toBe(true);
    expect(gaps.isYoung(new Date(clock.nowMs() - 30 * MINUTE))).toBe(false);
  });

  it("bounds its memory by dropping the oldest watched ids", () => {
    const clock = new ManualClock();
    const gaps = new GapDetector({ windowMs: MINUTE, clock, max: 2 });
    for (const id of ["a", "b", "c"]) gaps.watch(id, clock.now());
    expect(gaps.isWatched("a")).toBe(false);
    expect(gaps.size).toBe(2);
  });
});
