import { checkInIdOf, type DoorEvent } from "@parakey-bridge/contracts";
import { describe, expect, it } from "vitest";
import { classifyUnlock, isLive, planDays } from "./check-in-rules.js";
import { domainSettings } from "./domain-settings.js";

const settings = domainSettings({
  defaultTimeZone: "UTC",
  timeZones: { dom_se: "Europe/Stockholm" },
  liveWindowMs: 600_000,
  liveWindowsMs: { dom_strict: 0 },
});

let seq = 0;
function unlock(overrides: Partial<DoorEvent> = {}): DoorEvent {
  seq += 1;
  const occurredAt = overrides.occurredAt ?? "2026-11-23T08:00:00.000Z";
  const delayMs = overrides.delayMs ?? 1000;
  return {
    eventLogId: `el_${seq}`,
    deviceId: "dev_front",
    domainId: "dom_se",
    userId: "usr_ada",
    success: true,
    occurredAt,
    recordedAt: new Date(Date.parse(occurredAt) + delayMs).toISOString(),
    receivedAt: new Date(Date.parse(occurredAt) + delayMs).toISOString(),
    delayMs,
    via: "webhook",
    payloadVersion: "1.0",
    eventLog: { id: `el_${seq}` },
    ...overrides,
  };
}

describe("isLive", () => {
  it("is live up to and including the window, late beyond it", () => {
    expect(isLive(600_000, 600_000)).toBe(true);
    expect(isLive(600_001, 600_000)).toBe(false);
    expect(isLive(2 * 86_400_000, 600_000)).toBe(false);
  });

  it("treats an unlock Parakey received before the lock's clock said it happened as live", () => {
    expect(isLive(-5_000, 600_000)).toBe(true);
  });
});

describe("classifyUnlock", () => {
  it("counts an unlock at 23:30 UTC on the next local day in Europe/Stockholm", () => {
    expect(classifyUnlock(unlock({ occurredAt: "2026-11-23T23:30:00.000Z" }), settings)).toEqual({
      counted: true,
      kind: "person",
      domainId: "dom_se",
      localDate: "2026-11-24",
      timeZone: "Europe/Stockholm",
    });
  });

  it("uses UTC for a domain without a configured zone", () => {
    const result = classifyUnlock(
      unlock({ domainId: "dom_x", occurredAt: "2026-11-23T23:30:00.000Z" }),
      settings,
    );
    expect(result).toMatchObject({ localDate: "2026-11-23", timeZone: "UTC" });
  });

  it("counts failed and user-less unlocks without making them a person's", () => {
    expect(classifyUnlock(unlock({ success: false }), settings)).toMatchObject({ kind: "failed" });
    expect(classifyUnlock(unlock({ success: null }), settings)).toMatchObject({ kind: "failed" });
    expect(classifyUnlock(unlock({ userId: null }), settings)).toMatchObject({ kind: "anonymous" });
  });

  it("does not count an unlock that names no domain", () => {
    expect(classifyUnlock(unlock({ domainId: null }), settings)).toEqual({
      counted: false,
      reason: "no_domain",
    });
  });
});

describe("planDays", () => {
  it("makes one check-in candidate per person and local day, from the earliest unlock whatever the order", () => {
    const later = unlock({ occurredAt: "2026-11-23T12:00:00.000Z", deviceId: "dev_back" });
    const earliest = unlock({ occurredAt: "2026-11-23T07:00:00.000Z" });
    const plan = planDays([later, earliest], settings);
    expect(plan.presences).toHaveLength(1);
    expect(plan.presences[0]).toMatchObject({
      firstSeenAt: earliest.occurredAt,
      lastSeenAt: later.occurredAt,
      lastDeviceId: "dev_back",
      unlockCount: 2,
    });
    expect(plan.presences[0]?.candidate).toMatchObject({
      checkInId: checkInIdOf("dom_se", "usr_ada", "2026-11-23"),
      firstEventLogId: earliest.eventLogId,
      occurredAt: earliest.occurredAt,
      localDate: "2026-11-23",
      timeZone: "Europe/Stockholm",
      live: true,
    });
  });

  it("splits one person's unlocks at the domain's local midnight, not UTC's", () => {
    const plan = planDays(
      [
        unlock({ occurredAt: "2026-11-23T22:30:00.000Z" }),
        unlock({ occurredAt: "2026-11-23T23:30:00.000Z" }),
      ],
      settings,
    );
    expect(plan.presences.map((p) => p.candidate.localDate)).toEqual(["2026-11-23", "2026-11-24"]);
  });

  it("marks a candidate made by a two-day-late upload as not live, and honours a domain's own window", () => {
    const late = planDays([unlock({ delayMs: 2 * 86_400_000 })], settings);
    expect(late.presences[0]?.candidate.live).toBe(false);
    const strict = planDays([unlock({ domainId: "dom_strict", delayMs: 1 })], settings);
    expect(strict.presences[0]?.candidate.live).toBe(false);
  });

  it("counts failed, anonymous and domain-less unlocks but makes no check-in of them", () => {
    const plan = planDays(
      [unlock({ success: false }), unlock({ userId: null }), unlock({ domainId: null }), unlock()],
      settings,
    );
    expect(plan.days).toEqual([
      { domainId: "dom_se", localDate: "2026-11-23", unlocks: 3, successfulUnlocks: 2, anonymousUnlocks: 1 },
    ]);
    expect(plan.presences).toHaveLength(1);
    expect(plan.noDomain).toBe(1);
  });

  it("orders days and presences by key so concurrent batches lock rows in one order", () => {
    const plan = planDays(
      [unlock({ userId: "usr_b" }), unlock({ userId: "usr_a" }), unlock({ domainId: "dom_a" })],
      settings,
    );
    expect(plan.days.map((d) => d.domainId)).toEqual(["dom_a", "dom_se"]);
    expect(plan.presences.map((p) => `${p.candidate.domainId}/${p.candidate.userId}`)).toEqual([
      "dom_a/usr_ada",
      "dom_se/usr_a",
      "dom_se/usr_b",
    ]);
  });
});
