import { describe, expect, it } from "vitest";
import { SecretSet } from "./secret-set.js";

describe("SecretSet", () => {
  it("knows every configured secret and nothing else, whatever the length", () => {
    const set = new SecretSet(["first-secret-0123456789", "second-secret-abcdefghij"]);
    expect(set.has("first-secret-0123456789")).toBe(true);
    expect(set.has("second-secret-abcdefghij")).toBe(true);
    for (const other of ["", "f", "first-secret-012345678", "first-secret-01234567890", "x".repeat(10_000)]) {
      expect(set.has(other)).toBe(false);
    }
  });

  it("knows nothing when empty", () => {
    expect(new SecretSet([]).has("")).toBe(false);
  });
});
