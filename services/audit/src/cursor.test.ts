import { ValidationError } from "@parakey-bridge/service-kit";
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor.js";

describe("page cursors", () => {
  it("round-trip the sort key of the last row", () => {
    const cursor = { occurredAt: "2026-11-23T08:00:00.000Z", eventLogId: "el_9/ä" };
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(cursor);
  });

  it.each([
    "not-base64!",
    Buffer.from("{}").toString("base64url"),
    Buffer.from('{"t":"yesterday","id":"x"}').toString("base64url"),
  ])("rejects a cursor it did not make (%s) as a validation error", (text) => {
    expect(() => decodeCursor(text)).toThrow(ValidationError);
  });
});
