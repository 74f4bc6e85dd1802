import { describe, expect, it } from "vitest";
import { Pseudonymiser } from "./pseudonym.js";

describe("Pseudonymiser", () => {
  const key = "a-test-pseudonym-key-of-32-chars!";

  it("gives the same person the same pseudonym under one key, another under another key", () => {
    const one = new Pseudonymiser(key);
    expect(one.of("usr_1")).toBe(new Pseudonymiser(key).of("usr_1"));
    expect(one.of("usr_1")).toMatch(/^psn_[A-Za-z0-9_-]{22}$/);
    expect(one.of("usr_1")).not.toBe(one.of("usr_2"));
    expect(new Pseudonymiser("another-pseudonym-key-of-32-chars").of("usr_1")).not.toBe(one.of("usr_1"));
  });

  it("seals text so that only the same key opens it, and refuses altered text", () => {
    const sealed = new Pseudonymiser(key).seal('["2026-11-24T08:00:00.000Z","usr_1"]');
    expect(sealed).not.toContain("usr_1");
    expect(Buffer.from(sealed, "base64url").toString("latin1")).not.toContain("usr_1");
    expect(new Pseudonymiser(key).unseal(sealed)).toBe('["2026-11-24T08:00:00.000Z","usr_1"]');
    expect(new Pseudonymiser("another-pseudonym-key-of-32-chars").unseal(sealed)).toBeUndefined();
    const altered = `${sealed.slice(0, -2)}${sealed.endsWith("A") ? "B" : "A"}${sealed.slice(-1)}`;
    expect(new Pseudonymiser(key).unseal(altered)).toBeUndefined();
    expect(new Pseudonymiser(key).unseal("bm9wZQ")).toBeUndefined();
  });
});
