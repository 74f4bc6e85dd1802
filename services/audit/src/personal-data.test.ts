import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { describe, expect, it } from "vitest";
import { joinPersonalData, splitPersonalData } from "./personal-data.js";

describe("personal data in an event log", () => {
  it("is split off the payload and put back unchanged", () => {
    const log = eventLogFixture({ userId: "usr_ada" });
    const { payload, personal } = splitPersonalData(log, "usr_ada");
    expect(JSON.stringify(payload)).not.toContain("ada@example.com");
    expect(JSON.stringify(payload)).not.toContain("usr_ada");
    expect(personal).toEqual({ userId: "usr_ada", fields: { user: log.user } });
    expect(joinPersonalData(payload, personal)).toEqual(log);
  });

  it("leaves the payload without personal members once erased", () => {
    const log = { ...eventLogFixture(), userId: "usr_1", email: "x@example.com" };
    const { payload } = splitPersonalData(log, "usr_1");
    expect(Object.keys(joinPersonalData(payload, null)).sort()).toEqual(
      ["accessKey", "createdAt", "device", "domain", "id", "method", "success", "timestamp"].sort(),
    );
  });
});
