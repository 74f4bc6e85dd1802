import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { describe, expect, it } from "vitest";
import { RecentEventIds } from "./recent-event-ids.js";

const ok = () => Promise.resolve();

describe("RecentEventIds", () => {
  it("stores an id once and reports repeats as duplicates", async () => {
    const recent = new RecentEventIds({ max: 10, ttlMs: 60_000, clock: new ManualClock() });
    expect(await recent.storeOnce("el_1", ok)).toBe("stored");
    expect(await recent.storeOnce("el_1", ok)).toBe("duplicate");
  });

  it("forgets an id after its time to live", async () => {
    const clock = new ManualClock();
    const recent = new RecentEventIds({ max: 10, ttlMs: 60_000, clock });
    await recent.storeOnce("el_1", ok);
    clock.advance(59_000);
    expect(recent.has("el_1")).toBe(true);
    clock.advance(2_000);
    expect(await recent.storeOnce("el_1", ok)).toBe("stored");
  });

  it("remembers at most `max` ids, forgetting the least recently used", async () => {
    const recent = new RecentEventIds({ max: 2, ttlMs: 60_000, clock: new ManualClock() });
    for (const id of ["a", "b", "c"]) await recent.storeOnce(id, ok);
    expect(recent.size).toBe(2);
    expect(recent.has("a")).toBe(false);
    expect(recent.has("c")).toBe(true);
  });

  it("does not remember an id whose store failed", async () => {
    const recent = new RecentEventIds({ max: 10, ttlMs: 60_000, clock: new ManualClock() });
    await expect(recent.storeOnce("el_1", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(recent.has("el_1")).toBe(false);
    expect(await recent.storeOnce("el_1", ok)).toBe("stored");
  });

  it("shares one in-flight store between concurrent deliveries of an id", async () => {
    const recent = new RecentEventIds({ max: 10, ttlMs: 60_000, clock: new ManualClock() });
    let stores = 0;
    let finish: () => void = () => {};
    const slow = () => {
      stores += 1;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    };
    const first = recent.storeOnce("el_1", slow);
    const second = recent.storeOnce("el_1", slow);
    finish();
    expect(await Promise.all([first, second])).toEqual(["stored", "duplicate"]);
    expect(stores).toBe(1);
  });
});
