import { createHash } from "node:crypto";

/**
 * A strong ETag for a response body: a hash of exactly the bytes served, so it changes precisely
 * when the result of that request changes (a new event log inside the window, another page) and
 * stays put otherwise.
 *
 * @example
 * etagOf(JSON.stringify(page)); // '"q1b2…"'
 */
export function etagOf(body: string): string {
  return `"${createHash("sha1").update(body).digest("base64url")}"`;
}

/**
 * Whether an `If-None-Match` header matches the current ETag (weak comparison, as RFC 9110 asks for
 * If-None-Match): `*`, or any listed tag equal once a `W/` prefix is ignored.
 *
 * @example
 * ifNoneMatchMatches('W/"abc", "def"', '"def"'); // true
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim() === "*" || bare(tag) === bare(etag));
}
