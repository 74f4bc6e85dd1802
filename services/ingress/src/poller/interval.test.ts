import { describe, expect, it } from "vitest";
import { jitteredDelayMs } from "./interval.js";

describe("jitteredDelayMs", () => {
  it("waits exactly the interval with no jitter drawn", () => {
    expect(jitteredDelayMs(300_000, 30_000, () => 0)).toBe(300_000);
  });

  it("adds the drawn share of the jitter, never more than all of it", () => {
    expect(jitteredDelayMs(300_000, 30_000, () => 0.5)).toBe(315_000);
    expect(jitteredDelayMs(300_000, 30_000, () => 0.999_999)).toBeLessThanOrEqual(330_000);
  });

  it("never goes below the interval, even from a misbehaving random source", () => {
    expect(jitteredDelayMs(60_000, 10_000, () => -3)).toBe(60_000);
    expect(jitteredDelayMs(60_000, 10_000, () => 7)).toBe(70_000);
  });
});
