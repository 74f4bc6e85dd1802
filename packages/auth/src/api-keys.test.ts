import { describe, expect, it } from "vitest";
import { ApiKeyRing, apiKeyHash } from "./api-keys.js";

describe("ApiKeyRing", () => {
  const ring = new ApiKeyRing([
    { id: "current", sha256: apiKeyHash("pbk_current-key-0123456789"), roles: ["reader"] },
    {
      id: "previous",
      sha256: apiKeyHash("pbk_previous-key-0123456789"),
      roles: ["reader"],
      domains: ["dom_a"],
    },
  ]);

  it("knows every configured key at once (rotation) and which principal it is", () => {
    expect(ring.principalOf("pbk_current-key-0123456789")).toMatchObject({ id: "current", domains: "all" });
    expect(ring.principalOf("pbk_previous-key-0123456789")?.domains).toEqual(new Set(["dom_a"]));
  });

  it("knows nothing else, whatever the length", () => {
    for (const other of [
      "",
      "pbk_current-key-012345678",
      "pbk_current-key-01234567890",
      "x".repeat(10_000),
    ]) {
      expect(ring.principalOf(other)).toBeUndefined();
    }
  });
});
