import { describe, expect, it } from "vitest";
import { etagOf, ifNoneMatchMatches } from "./etag.js";

describe("ETags", () => {
  it("are strong, quoted and the same exactly when the body is the same", () => {
    expect(etagOf("[]")).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(etagOf('[{"id":"a"}]')).toBe(etagOf('[{"id":"a"}]'));
    expect(etagOf('[{"id":"a"}]')).not.toBe(etagOf('[{"id":"b"}]'));
  });

  it("match If-None-Match by weak comparison, in a list, or by *", () => {
    const etag = etagOf("[]");
    expect(ifNoneMatchMatches(etag, etag)).toBe(true);
    expect(ifNoneMatchMatches(`W/${etag}`, etag)).toBe(true);
    expect(ifNoneMatchMatches(`"other", ${etag}`, etag)).toBe(true);
    expect(ifNoneMatchMatches("*", etag)).toBe(true);
    expect(ifNoneMatchMatches('"other"', etag)).toBe(false);
    expect(ifNoneMatchMatches(undefined, etag)).toBe(false);
  });
});
