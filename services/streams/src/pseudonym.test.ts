import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { pseudonymizer } from "./pseudonym.js";

const key = Buffer.from("k".repeat(32));

describe("pseudonymizer", () => {
  it("maps the same person to the same pseudonym under the same key, in any instance", () => {
    expect(pseudonymizer(key)("usr_ada")).toBe(pseudonymizer(Buffer.from(key))("usr_ada"));
    expect(pseudonymizer(key)("usr_ada")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("is HMAC-SHA256 of the user id, so holders of the key can recompute it and nobody else can", () => {
    const expected = createHmac("sha256", key).update("usr_ada").digest("base64url");
    expect(pseudonymizer(key)("usr_ada")).toBe(expected);
    expect(pseudonymizer(Buffer.from("x".repeat(32)))("usr_ada")).not.toBe(expected);
  });

  it("tells different people apart", () => {
    const pseudonymOf = pseudonymizer(key);
    expect(pseudonymOf("usr_ada")).not.toBe(pseudonymOf("usr_bob"));
  });

  it("refuses a key shorter than 32 bytes", () => {
    expect(() => pseudonymizer(Buffer.from("short"))).toThrow(/32 bytes/);
  });
});
