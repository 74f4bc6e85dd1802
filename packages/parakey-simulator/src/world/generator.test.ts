import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { describe, expect, it } from "vitest";
import type { SimEventLog } from "./event-log.js";
import { EventLogGenerator } from "./generator.js";
import { createWorld } from "./world.js";

const START = new Date("2026-11-23T08:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Runs `ticks` unlocks one second apart and returns every event log that reached Parakey. */
function run(
  seed: number,
  ticks: number,
  options: { offlineFraction?: number; clockOffsetMs?: number } = {},
) {
  const clock = new ManualClock(START);
  const world = createWorld({
    seed,
    domains: 3,
    locks: 10,
    users: 30,
    offlineFraction: options.offlineFraction ?? 0.3,
  });
  const generator = new EventLogGenerator({ world, seed, clock, clockOffsetMs: options.clockOffsetMs ?? 0 });
  const logs: SimEventLog[] = [];
  for (let i = 0; i < ticks; i++) {
    clock.advance(1000);
    logs.push(...generator.tick());
  }
  return { logs, world, generator, clock };
}

const delayOf = (log: SimEventLog) => Date.parse(log.createdAt) - Date.parse(log.timestamp);

describe("the world and its event logs", () => {
  it("builds the same world and the same event logs from the same seed", () => {
    const first = run(42, 300);
    const second = run(42, 300);
    expect(second.world).toEqual(first.world);
    expect(second.logs).toEqual(first.logs);
    expect(first.logs.length).toBeGreaterThan(100);
  });

  it("builds a different world and different event logs from another seed", () => {
    const first = run(42, 50);
    const other = run(43, 50);
    expect(other.logs.map((log) => log.id)).not.toEqual(first.logs.map((log) => log.id));
  });

  it("makes exactly round(locks × offline fraction) locks intermittent", () => {
    expect(
      createWorld({ seed: 1, locks: 10, offlineFraction: 0.25 }).locks.filter((l) => l.intermittent),
    ).toHaveLength(3);
    expect(
      createWorld({ seed: 1, locks: 10, offlineFraction: 0 }).locks.filter((l) => l.intermittent),
    ).toHaveLength(0);
  });

  it("gives every event log the assumed payload shape, unique ids and a lock of its own place", () => {
    const { logs, world } = run(7, 200);
    expect(new Set(logs.map((log) => log.id)).size).toBe(logs.length);
    for (const log of logs) {
      const lock = world.locks.find((l) => l.id === log.device.id);
      expect(lock?.domainId).toBe(log.domain.id);
      expect(Object.keys(log).sort()).toEqual(
        ["accessKey", "createdAt", "device", "domain", "id", "method", "success", "timestamp", "user"].sort(),
      );
    }
  });

  it("makes most unlocks succeed and gives failed ones no user", () => {
    const { logs } = run(7, 1000, { offlineFraction: 0 });
    const failed = logs.filter((log) => !log.success);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length / logs.length).toBeLessThan(0.2);
    expect(failed.every((log) => log.user === null && log.accessKey === null)).toBe(true);
    expect(logs.filter((log) => log.success).every((log) => log.user !== null)).toBe(true);
  });

  it("delivers an online lock's unlock to Parakey within a second and a half", () => {
    const { logs } = run(7, 200, { offlineFraction: 0 });
    for (const log of logs) {
      expect(delayOf(log)).toBeGreaterThanOrEqual(50);
      expect(delayOf(log)).toBeLessThanOrEqual(1500);
    }
  });

  it("has offline locks upload their backlog late, up to two days, oldest first in one batch", () => {
    const { logs, world } = run(7, 2000, { offlineFraction: 0.5 });
    const intermittent = new Set(world.locks.filter((l) => l.intermittent).map((l) => l.id));
    const late = logs.filter((log) => intermittent.has(log.device.id));
    expect(late.length).toBeGreaterThan(0);
    // What they held from before the simulation started is hours to two days old.
    expect(Math.max(...late.map(delayOf))).toBeGreaterThan(DAY);
    expect(Math.max(...late.map(delayOf))).toBeLessThanOrEqual(2 * DAY + 2000 * 1000);
    expect(late.every((log) => delayOf(log) >= 0)).toBe(true);
    // An upload is one batch: one createdAt, timestamps ascending.
    const batch = late.filter((log) => log.createdAt === late[0]?.createdAt);
    const stamps = batch.map((log) => Date.parse(log.timestamp));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  });

  it("uploads an explicit backlog spread over the span asked for", () => {
    const { generator } = run(7, 0);
    const backlog = generator.uploadBacklog({ lockId: "dev_2", count: 25, spanMs: 2 * DAY });
    expect(backlog).toHaveLength(25);
    expect(new Set(backlog.map((log) => log.createdAt))).toEqual(new Set([START.toISOString()]));
    expect(backlog.every((log) => log.device.id === "dev_2")).toBe(true);
    expect(backlog.every((log) => delayOf(log) > 0 && delayOf(log) <= 2 * DAY)).toBe(true);
    expect(Math.max(...backlog.map(delayOf))).toBeGreaterThan(HOUR);
  });

  it("stamps createdAt with Parakey's clock, shifted by the clock offset, and timestamp with the lock's", () => {
    const behind = run(7, 100, { offlineFraction: 0, clockOffsetMs: -60_000 });
    const exact = run(7, 100, { offlineFraction: 0 });
    expect(behind.logs.map((log) => log.timestamp)).toEqual(exact.logs.map((log) => log.timestamp));
    behind.logs.forEach((log, i) => {
      expect(Date.parse(log.createdAt)).toBe(Date.parse(exact.logs[i]?.createdAt ?? "") - 60_000);
    });
    // Parakey running behind makes the unlock look as if it was received before it happened.
    expect(behind.logs.every((log) => delayOf(log) < 0)).toBe(true);
  });
});
