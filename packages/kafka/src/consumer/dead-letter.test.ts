import { describe, expect, it } from "vitest";
import { deadLetterHeaders, DeadLetterHeaders as H } from "./dead-letter.js";

const origin = { topic: "parakey.event-logs.v1", partition: 2, offset: "41", timestamp: "1795000000000" };
const failure = { code: "contract_violation", message: "deviceId: required", attempts: 1 };

describe("deadLetterHeaders", () => {
  it("keeps the original headers and adds origin, error and first-failed-at", () => {
    const headers = deadLetterHeaders(
      { ce_id: "el_1", traceparent: "00-abc" },
      "audit",
      origin,
      failure,
      new Date("2026-11-23T08:00:00Z"),
    );
    expect(headers).toMatchObject({
      ce_id: "el_1",
      traceparent: "00-abc",
      [H.group]: "audit",
      [H.originTopic]: "parakey.event-logs.v1",
      [H.originPartition]: "2",
      [H.originOffset]: "41",
      [H.errorCode]: "contract_violation",
      [H.errorMessage]: "deviceId: required",
      [H.firstFailedAt]: "2026-11-23T08:00:00.000Z",
      [H.failures]: "1",
    });
  });

  it("keeps the first origin and first-failed-at when a redriven record fails again", () => {
    const first = deadLetterHeaders({}, "audit", origin, failure, new Date("2026-11-23T08:00:00Z"));
    const again = deadLetterHeaders(
      first,
      "audit",
      { topic: "parakey.event-logs.v1.audit.redrive", partition: 0, offset: "3", timestamp: "1" },
      { code: "db_query_failed", message: "still broken", attempts: 10 },
      new Date("2026-11-24T09:00:00Z"),
    );
    expect(again).toMatchObject({
      [H.originTopic]: "parakey.event-logs.v1",
      [H.originOffset]: "41",
      [H.firstFailedAt]: "2026-11-23T08:00:00.000Z",
      [H.failedAt]: "2026-11-24T09:00:00.000Z",
      [H.errorCode]: "db_query_failed",
      [H.attempts]: "10",
      [H.failures]: "2",
    });
  });

  it("bounds the error message", () => {
    const long = deadLetterHeaders({}, "g", origin, { ...failure, message: "x".repeat(10_000) }, new Date());
    expect(long[H.errorMessage]?.length).toBeLessThanOrEqual(2_001);
  });
});
