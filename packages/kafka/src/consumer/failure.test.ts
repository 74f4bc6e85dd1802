import { BridgeError, UnavailableError, ValidationError } from "@parakey-bridge/service-kit";
import { describe, expect, it } from "vitest";
import { dispositionOf } from "./failure.js";

// The database side of the table (SQLSTATE → error) is packages/storage/src/errors.test.ts.
describe("dispositionOf", () => {
  it.each([
    [
      "an unavailable store (read-only, disk full, revoked grant, unreachable)",
      new UnavailableError("db_unavailable", "read-only"),
      "pause",
    ],
    ["a transient conflict", new BridgeError("db_conflict", "deadlock", { retryable: true }), "retry"],
    ["an exhausted pool", new BridgeError("db_pool_exhausted", "busy", { retryable: true }), "retry"],
    ["an error of unknown kind", new TypeError("x is undefined"), "retry"],
    [
      "a statement the store rejects for the record's data",
      new BridgeError("db_query_failed", "22P02"),
      "dead_letter",
    ],
    ["a validation error", new ValidationError("bad record"), "dead_letter"],
  ])("%s → %s", (_, error, disposition) => {
    expect(dispositionOf(error)).toBe(disposition);
  });
});
