import { describe, expect, it } from "vitest";
import { backoffDelay, type RetryPolicy } from "./backoff.js";

const policy: RetryPolicy = { initialMs: 100, maxMs: 1_000, multiplier: 2, maxAttempts: 10 };

describe("backoffDelay", () => {
  it("doubles the step with each attempt", () => {
    const top = (attempt: number) => backoffDelay(attempt, policy, () => 1);
    expect([1, 2, 3, 4].map(top)).toEqual([100, 200, 400, 800]);
  });

  it("never waits longer than the cap, however many attempts failed", () => {
    expect(backoffDelay(5, policy, () => 1)).toBe(1_000);
    expect(backoffDelay(60, policy, () => 1)).toBe(1_000);
  });

  it("jitters within the upper half of the step", () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(3, policy);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});
