import { describe, expect, it } from "vitest";
import { doorEventHeaders } from "./cloudevents.js";
import { DoorEvent, decodeDoorEvent, encodeDoorEvent } from "./door-event.js";
import { normalizeEventLog, normalizeEventLogText } from "./normalize.js";
import { eventLogFixture } from "./testing.js";

const receivedAt = new Date("2026-11-23T10:00:00.000Z");
const ctx = { via: "webhook" as const, receivedAt };

describe("normalizeEventLog", () => {
  it("maps a full payload onto DoorEvent v1", () => {
    const log = eventLogFixture({
      id: "el_1",
      deviceId: "dev_1",
      domainId: "dom_1",
      userId: "usr_1",
      timestamp: new Date("2026-11-23T08:00:00.000Z"),
      createdAt: new Date("2026-11-23T08:00:02.500Z"),
    });
    const result = normalizeEventLog(log, ctx);
    expect(result).toEqual({
      ok: true,
      event: {
        eventLogId: "el_1",
        deviceId: "dev_1",
        domainId: "dom_1",
        userId: "usr_1",
        success: true,
        occurredAt: "2026-11-23T08:00:00.000Z",
        recordedAt: "2026-11-23T08:00:02.500Z",
        receivedAt: "2026-11-23T10:00:00.000Z",
        delayMs: 2500,
        via: "webhook",
        payloadVersion: "1.0",
        eventLog: log,
      },
      value: expect.any(Buffer),
    });
    if (result.ok) expect(DoorEvent.safeParse(result.event).success).toBe(true);
  });

  it("gives the record value it checked with the consumers' decoder: the event's own encoding", () => {
    const result = normalizeEventLog(eventLogFixture({ id: "el_1", deviceId: "dev_1" }), ctx);
    expect(result.ok && result.value.equals(encodeDoorEvent(result.event))).toBe(true);
    expect(result.ok && decodeDoorEvent(result.value)).toEqual({
      ok: true,
      value: result.ok && result.event,
    });
  });

  it("accepts a minimal payload: id, device and both timestamps", () => {
    const result = normalizeEventLog(
      { id: 42, deviceId: 7, timestamp: "2026-11-21T08:00:00+01:00", createdAt: "2026-11-23T07:00:00Z" },
      { via: "poll", receivedAt },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event).toMatchObject({
      eventLogId: "42",
      deviceId: "7",
      domainId: null,
      userId: null,
      success: null,
      occurredAt: "2026-11-21T07:00:00.000Z",
      delayMs: 2 * 24 * 3600 * 1000,
      via: "poll",
    });
    expect(DoorEvent.safeParse(result.event).success).toBe(true);
  });

  it("preserves unknown fields and fields of an unexpected type in the original", () => {
    const log = { ...eventLogFixture({ id: "el_2" }), futureField: { nested: [1, 2] }, success: "yes" };
    const result = normalizeEventLog(log, ctx);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.eventLog).toEqual(log);
    expect(result.event.success).toBeNull();
    expect(JSON.parse(JSON.stringify(result.event)).eventLog.futureField).toEqual({ nested: [1, 2] });
  });

  it.each([
    ["device.id", { device: { id: "d1" } }, "d1"],
    ["deviceId", { deviceId: "d2" }, "d2"],
    ["eventConfiguration.id (the older name for a door)", { eventConfiguration: { id: "d3" } }, "d3"],
    ["device.id before deviceId", { device: { id: "d4" }, deviceId: "other" }, "d4"],
  ])("reads the device from %s", (_name, fields, expected) => {
    const result = normalizeEventLog(
      { id: "x", timestamp: "2026-11-23T08:00:00Z", createdAt: "2026-11-23T08:00:00Z", ...fields },
      ctx,
    );
    expect(result.ok && result.event.deviceId).toBe(expected);
  });

  it.each([
    ["a string", "hello", "not_an_object"],
    ["an array", [eventLogFixture()], "not_an_object"],
    ["null", null, "not_an_object"],
    ["no id", { ...eventLogFixture(), id: undefined }, "missing_id"],
    ["an empty id", { ...eventLogFixture(), id: "" }, "missing_id"],
    [
      "no device",
      { id: "el", timestamp: "2026-11-23T08:00:00Z", createdAt: "2026-11-23T08:00:00Z" },
      "missing_device_id",
    ],
    [
      "a null device id",
      { id: "el", deviceId: null, timestamp: "2026-11-23T08:00:00Z", createdAt: "2026-11-23T08:00:00Z" },
      "missing_device_id",
    ],
    ["no timestamp", { ...eventLogFixture(), timestamp: undefined }, "invalid_timestamp"],
    [
      "a timestamp without zone",
      { ...eventLogFixture(), timestamp: "2026-11-23T08:00:00" },
      "invalid_timestamp",
    ],
    ["a nonsense timestamp", { ...eventLogFixture(), timestamp: "yesterday" }, "invalid_timestamp"],
    ["a numeric createdAt", { ...eventLogFixture(), createdAt: 1_700_000_000 }, "invalid_created_at"],
    ["no createdAt", { ...eventLogFixture(), createdAt: undefined }, "invalid_created_at"],
  ])("rejects %s with a reason instead of throwing", (_name, input, reason) => {
    const result = normalizeEventLog(input, ctx);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.rejection.reason).toBe(reason);
      expect(result.rejection.detail.length).toBeGreaterThan(0);
    }
  });

  it("rejects text that is not JSON as not_json", () => {
    const result = normalizeEventLogText("{not json", ctx);
    expect(result.ok || result.rejection.reason).toBe("not_json");
  });

  it("keeps what it could read of a rejected payload so the record can be keyed", () => {
    const result = normalizeEventLog({ id: "el_9", deviceId: "d9", timestamp: "bad" }, ctx);
    expect(result.ok || result.rejection).toMatchObject({ eventLogId: "el_9", deviceId: "d9" });
  });
});

describe("doorEventHeaders", () => {
  it("maps a DoorEvent onto CloudEvents binary-mode headers", () => {
    const result = normalizeEventLog(
      eventLogFixture({
        id: "el_h",
        deviceId: "dev/h",
        domainId: "dom h",
        timestamp: new Date("2026-11-23T08:00:00Z"),
      }),
      ctx,
    );
    if (!result.ok) throw new Error("fixture must normalize");
    expect(doorEventHeaders(result.event)).toEqual({
      ce_specversion: "1.0",
      ce_id: "el_h",
      ce_source: "/parakey/domains/dom%20h",
      ce_type: "co.parakey.event-log.v1",
      ce_time: "2026-11-23T08:00:00.000Z",
      ce_subject: "dev/h",
      ce_partitionkey: "dev/h",
      "content-type": "application/json",
    });
  });

  it("names one shared source for events without a domain", () => {
    const result = normalizeEventLog(
      { id: "e", deviceId: "d", timestamp: "2026-11-23T08:00:00Z", createdAt: "2026-11-23T08:00:00Z" },
      ctx,
    );
    expect(result.ok && doorEventHeaders(result.event).ce_source).toBe("/parakey/domains/unknown");
  });
});
