import { describe, expect, it } from "vitest";
import { retryDelayMs, retryOffsetsMs, WEBHOOK_RETRIES } from "./retry-schedule.js";

const MINUTE = 60_000;

describe("Parakey's webhook retry schedule", () => {
  it("has 5 retries, the last 20 minutes after the first failure", () => {
    expect(WEBHOOK_RETRIES).toBe(5);
    expect(retryOffsetsMs(1)).toEqual([1, 3, 7, 12, 20].map((m) => m * MINUTE));
  });

  it("has no sixth retry: the delivery is dropped", () => {
    expect(retryDelayMs(5, 1)).toBe(8 * MINUTE);
    expect(retryDelayMs(6, 1)).toBeUndefined();
    expect(retryDelayMs(0, 1)).toBeUndefined();
  });

  it("scales every delay by the time scale, so tests run it in about a second", () => {
    expect(retryOffsetsMs(0.001)).toEqual([60, 180, 420, 720, 1200]);
    expect(retryDelayMs(1, 0.001)).toBe(60);
  });
});
