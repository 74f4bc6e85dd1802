import type { DoorEvent } from "@parakey-bridge/contracts";
import { describe, expect, it } from "vitest";
import { adjustmentFor, distinctKey, type MeteredUnlock, meterChanges, meteredUnlock } from "./metering.js";

const event = (overrides: Partial<DoorEvent> = {}): DoorEvent => ({
  eventLogId: "el_1",
  deviceId: "dev_1",
  domainId: "dom_se",
  userId: "usr_1",
  success: true,
  occurredAt: "2026-01-31T23:30:00.000Z",
  recordedAt: "2026-02-02T23:30:00.000Z",
  receivedAt: "2026-02-02T23:30:01.000Z",
  delayMs: 2 * 86_400_000,
  via: "poll",
  payloadVersion: "1.0",
  eventLog: { id: "el_1" },
  ...overrides,
});
const zones = (domainId: string) => (domainId === "dom_se" ? "Europe/Stockholm" : "UTC");

describe("meteredUnlock", () => {
  it("bills a late unlock in the month of occurredAt in the domain's zone, not the month it was recorded", () => {
    expect(meteredUnlock(event(), zones)).toMatchObject({ period: "2026-02", timeZone: "Europe/Stockholm" });
    expect(meteredUnlock(event({ domainId: "dom_x" }), zones)).toMatchObject({ period: "2026-01" });
  });

  it("counts only successful unlocks in a domain; a user-less one still counts", () => {
    expect(meteredUnlock(event({ success: false }), zones)).toBeUndefined();
    expect(meteredUnlock(event({ success: null }), zones)).toBeUndefined();
    expect(meteredUnlock(event({ domainId: null }), zones)).toBeUndefined();
    expect(meteredUnlock(event({ userId: null }), zones)).toMatchObject({ userId: null });
  });
});

describe("adjustmentFor", () => {
  const delta = { successfulUnlocks: 1, activeUsers: 1, activeDevices: 0 };

  it("turns a change to a closed period into an adjustment line", () => {
    expect(adjustmentFor(true, delta)).toEqual(delta);
  });

  it("leaves a change to an open period to the meters alone", () => {
    expect(adjustmentFor(false, delta)).toBeUndefined();
  });

  it("needs no line for a change that moves nothing", () => {
    expect(adjustmentFor(true, { successfulUnlocks: 0, activeUsers: 0, activeDevices: 0 })).toBeUndefined();
  });
});

describe("meterChanges", () => {
  const unlock = (id: string, overrides: Partial<MeteredUnlock> = {}): MeteredUnlock => ({
    eventLogId: id,
    domainId: "dom_a",
    period: "2026-01",
    timeZone: "UTC",
    userId: "usr_1",
    deviceId: "dev_1",
    occurredAt: "2026-01-10T10:00:00.000Z",
    recordedAt: "2026-01-10T10:00:01.000Z",
    ...overrides,
  });

  it("adds one unlock each and a distinct user or device only where the database saw it first", () => {
    const unlocks = [unlock("a"), unlock("b"), unlock("c", { userId: "usr_2", deviceId: "dev_2" })];
    const { meters, adjustments } = meterChanges(
      unlocks,
      new Set([distinctKey("dom_a", "2026-01", "usr_1"), distinctKey("dom_a", "2026-01", "usr_2")]),
      new Set([distinctKey("dom_a", "2026-01", "dev_2")]),
      new Set(),
    );
    expect(meters).toEqual([
      {
        domainId: "dom_a",
        period: "2026-01",
        timeZone: "UTC",
        successfulUnlocks: 3,
        activeUsers: 2,
        activeDevices: 1,
      },
    ]);
    expect(adjustments).toEqual([]);
  });

  it("writes one adjustment line per unlock in a closed period, carrying what it added", () => {
    const { meters, adjustments } = meterChanges(
      [unlock("late", { userId: null }), unlock("open", { period: "2026-02" })],
      new Set(),
      new Set([distinctKey("dom_a", "2026-01", "dev_1")]),
      new Set(["2026-01"]),
    );
    expect(adjustments).toEqual([
      {
        domainId: "dom_a",
        period: "2026-01",
        eventLogId: "late",
        occurredAt: "2026-01-10T10:00:00.000Z",
        recordedAt: "2026-01-10T10:00:01.000Z",
        successfulUnlocks: 1,
        activeUsers: 0,
        activeDevices: 1,
      },
    ]);
    expect(meters.map((m) => m.period)).toEqual(["2026-01", "2026-02"]);
  });
});
