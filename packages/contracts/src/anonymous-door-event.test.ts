import { describe, expect, it } from "vitest";
import {
  AnonymousDoorEvent,
  anonymizeDoorEvent,
  anonymousDoorEventHeaders,
  decodeAnonymousDoorEvent,
  encodeAnonymousDoorEvent,
} from "./anonymous-door-event.js";
import { normalizeEventLog } from "./normalize.js";
import { eventLogFixture } from "./testing.js";

const personal = ["Ada", "Lovelace", "ada@example.com", "+46701234567", "usr_ada", "Analytical Street 1"];

function personalEvent() {
  const log = {
    ...eventLogFixture({ id: "el_1", userId: "usr_ada" }),
    user: { id: "usr_ada", name: "Ada Lovelace", email: "ada@example.com", phone: "+46701234567" },
    // Fields Parakey may add one day: nothing says they are personal, so nothing may pass.
    guest: { fullName: "Ada Lovelace", emailAddress: "ada@example.com", mobile: "+46701234567" },
    userEmail: "ada@example.com",
    phoneNumber: "+46701234567",
    address: "Analytical Street 1",
  };
  const result = normalizeEventLog(log, { via: "webhook", receivedAt: new Date("2026-11-23T08:00:02Z") });
  if (!result.ok) throw new Error(result.rejection.detail);
  return result.event;
}

const pseudonym = "Q".repeat(43);

describe("the anonymous door event", () => {
  it("carries only the allow-listed members, with the user id replaced by its pseudonym", () => {
    const anonymous = anonymizeDoorEvent(personalEvent(), () => pseudonym);
    expect(Object.keys(anonymous).sort()).toEqual(
      [
        "delayMs",
        "deviceId",
        "domainId",
        "eventLogId",
        "occurredAt",
        "receivedAt",
        "recordedAt",
        "success",
        "userPseudonym",
        "via",
      ].sort(),
    );
    expect(anonymous.userPseudonym).toBe(pseudonym);
  });

  it("lets no personal value through, neither known nor in unknown fields that look personal, value or headers", () => {
    const anonymous = anonymizeDoorEvent(personalEvent(), () => pseudonym);
    const bytes = encodeAnonymousDoorEvent(anonymous).toString("utf8");
    const headers = JSON.stringify(anonymousDoorEventHeaders(anonymous));
    for (const value of personal) {
      expect(bytes).not.toContain(value);
      expect(headers).not.toContain(value);
    }
    expect(decodeAnonymousDoorEvent(Buffer.from(bytes))).toEqual({ ok: true, value: anonymous });
  });

  it("keeps a null pseudonym for an unlock without a user", () => {
    const event = { ...personalEvent(), userId: null };
    expect(anonymizeDoorEvent(event, () => pseudonym).userPseudonym).toBeNull();
  });

  it("is refused by its schema when any other member is added", () => {
    const anonymous = anonymizeDoorEvent(personalEvent(), () => pseudonym);
    expect(AnonymousDoorEvent.safeParse({ ...anonymous, email: "ada@example.com" }).success).toBe(false);
    expect(AnonymousDoorEvent.safeParse({ ...anonymous, userPseudonym: "usr_ada" }).success).toBe(false);
  });
});
