import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EventStream } from "./event-stream.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function countUnlocks(rate: number, ms: number): number {
  let unlocks = 0;
  const stream = new EventStream({ rate, unlock: () => unlocks++ });
  stream.start();
  vi.advanceTimersByTime(ms);
  stream.stop();
  vi.advanceTimersByTime(ms);
  return unlocks;
}

describe("the event stream", () => {
  it("produces the configured number of unlocks per second", () => {
    expect(countUnlocks(5, 10_000)).toBe(50);
  });

  it("carries fractions over for rates below one per second", () => {
    expect(countUnlocks(0.5, 10_000)).toBe(5);
  });

  it("batches rates above 100 per second", () => {
    expect(countUnlocks(1000, 2_000)).toBe(2000);
  });

  it("produces nothing at rate 0 and stops when told", () => {
    expect(countUnlocks(0, 10_000)).toBe(0);
  });
});
