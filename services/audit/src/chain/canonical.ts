/**
 * A canonical JSON encoding: object keys sorted (recursively), no whitespace, `undefined` members
 * dropped as JSON.stringify drops them. The same value always encodes to the same bytes, whatever
 * order its keys were built or stored in (PostgreSQL's jsonb reorders them) — what a hash needs.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === "string") return jsonString(value);
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
    out += `${out.length === 1 ? "" : ","}${jsonKey(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

/**
 * A string as JSON.stringify encodes it. Most strings here (ids, timestamps, names) need no escape,
 * and quoting those directly is cheaper than a call into JSON.stringify for each (issue 17 item 2);
 * a string with anything JSON.stringify escapes — `"`, `\\`, a control character, a surrogate
 * (paired ones too, to be safe) — goes to JSON.stringify.
 */
export function jsonString(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) {
      return JSON.stringify(value);
    }
  }
  return `"${value}"`;
}

/** Object keys recur row after row (the chain fields, Parakey's member names): encoded once each. */
const encodedKeys = new Map<string, string>();
const MAX_ENCODED_KEYS = 10_000;

function jsonKey(key: string): string {
  let encoded = encodedKeys.get(key);
  if (encoded === undefined) {
    encoded = jsonString(key);
    // Bounded: keys come from payloads, which an attacker could fill with ever new member names.
    if (encodedKeys.size < MAX_ENCODED_KEYS) encodedKeys.set(key, encoded);
  }
  return encoded;
}
