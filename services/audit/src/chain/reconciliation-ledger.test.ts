import { describe, expect, it } from "vitest";
import { idSetDigest } from "./reconciliation-ledger.js";

describe("idSetDigest", () => {
  it("is the same for the same set whatever the order or repeats, and differs for another set", () => {
    expect(idSetDigest(["el_2", "el_1", "el_2"])).toBe(idSetDigest(["el_1", "el_2"]));
    expect(idSetDigest(["el_1"])).not.toBe(idSetDigest(["el_1", "el_2"]));
    expect(idSetDigest([])).toMatch(/^[0-9a-f]{64}$/);
  });
});
