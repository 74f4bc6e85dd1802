import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { describe, expect, it } from "vitest";
import { eventLogItemOf, eventLogListOf } from "./event-log-items.js";

describe("reading event logs from a response", () => {
  it("takes a bare JSON array or a { data: [...] } envelope", () => {
    const logs = [{ id: "el_1" }];
    expect(eventLogListOf(logs)).toBe(logs);
    expect(eventLogListOf({ data: logs })).toBe(logs);
  });

  it("gives up on any other body shape", () => {
    expect(eventLogListOf({ items: [] })).toBeUndefined();
    expect(eventLogListOf({ data: {} })).toBeUndefined();
    expect(eventLogListOf("[]")).toBeUndefined();
    expect(eventLogListOf(null)).toBeUndefined();
  });

  it("normalizes a good item and keeps the original untouched", () => {
    const raw = { ...eventLogFixture({ id: "el_good", deviceId: "dev_1" }), futureField: 42 };
    const item = eventLogItemOf(raw, new Date("2026-11-23T08:00:05Z"));
    expect(item.ok).toBe(true);
    if (!item.ok) return;
    expect(item.eventLog).toBe(raw);
    expect(item.event).toMatchObject({ eventLogId: "el_good", deviceId: "dev_1", via: "poll" });
  });

  it("turns a bad item into a rejection value instead of throwing", () => {
    const raw = { id: "el_bad", timestamp: "2026-11-23T08:00:00Z", createdAt: "2026-11-23T08:00:01Z" };
    const item = eventLogItemOf(raw, new Date());
    expect(item).toEqual({
      ok: false,
      raw,
      rejection: expect.objectContaining({ reason: "missing_device_id", eventLogId: "el_bad" }),
    });
  });
});
