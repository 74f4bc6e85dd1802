import { describe, expect, it } from "vitest";
import { backoffCapMs, fullJitterDelayMs } from "./backoff.js";

const options = { baseMs: 500, maxMs: 30_000 };

describe("exponential backoff with full jitter", () => {
  it("doubles the cap per retry from the base", () => {
    expect([0, 1, 2, 3, 4].map((retry) => backoffCapMs(retry, options))).toEqual([
      500, 1000, 2000, 4000, 8000,
    ]);
  });

  it("never lets the cap exceed the maximum, even for absurd retry counts", () => {
    expect(backoffCapMs(6, options)).toBe(30_000);
    expect(backoffCapMs(5000, options)).toBe(30_000);
  });

  it("draws the delay uniformly from zero up to (not including) the cap", () => {
    expect(fullJitterDelayMs(3, options, () => 0)).toBe(0);
    expect(fullJitterDelayMs(3, options, () => 0.5)).toBe(2000);
    expect(fullJitterDelayMs(3, options, () => 0.999_999)).toBe(3999);
  });

  it("spreads many retries across the whole window rather than bunching them", () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    const delays = Array.from({ length: 2000 }, () => fullJitterDelayMs(4, options, random));
    expect(Math.min(...delays)).toBeLessThan(400);
    expect(Math.max(...delays)).toBeGreaterThan(7600);
    expect(Math.max(...delays)).toBeLessThan(8000);
  });
});
