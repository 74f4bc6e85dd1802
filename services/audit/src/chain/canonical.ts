/**
 * A canonical JSON encoding: object keys sorted (recursively), no whitespace, `undefined` members
 * dropped as JSON.stringify drops them. The same value always encodes to the same bytes, whatever
 * order its keys were built or stored in (PostgreSQL's jsonb reorders them) — what a hash needs.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const encoded = JSON.stringify(value);
    return encoded === undefined ? "null" : encoded;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  // Plain loops and one string: this runs for every row appended (twice), and the array/entries
  // pipeline it replaces allocated several arrays per object. Keys sort by UTF-16 code units, as `<`.
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonicalJson(value[i]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = "{";
  for (const key of keys) {
    const member = object[key];
    if (member === undefined || typeof member === "function") continue;
    out += `${out.length === 1 ? "" : ","}${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}
