/**
 * The compatibility rules of the published contract (every topic's JSON Schema and the AsyncAPI
 * document), checked against the last released version in CI. Teams consume as tolerant readers:
 * they ignore members they do not know and treat an enum value they do not know as "other". Under
 * that promise a change is compatible when a consumer built on the released version still reads
 * every new record, and a consumer built on the new version still reads the history on the topic:
 *
 * - compatible: a new optional property, a new schema file, channel, message or operation, a new
 *   enum value, changed annotations (`description`, `title`, `examples`, `info.version`, …);
 * - breaking: anything removed (a property, a file, a channel, an enum value, a header), a changed
 *   `type`, `format`, `pattern`, `const`, bound or channel address, a property that became required
 *   or stopped being required, a new required property, a constraint added to an existing schema.
 *
 * A breaking change goes to a new topic `.v2` with its own schema, produced side by side with `.v1`
 * until every team moved (see packages/contracts/README.md).
 */

/** One difference between the released and the current document, at a JSON path. */
export interface ContractChange {
  path: string;
  kind: "added" | "removed" | "changed";
  breaking: boolean;
  detail: string;
}

/** Members that only describe: they may change freely. */
const ANNOTATIONS = new Set([
  "description",
  "title",
  "summary",
  "examples",
  "example",
  "$comment",
  "$id",
  "externalDocs",
  "tags",
]);

/** Adding one of these to a schema that exists narrows what it accepts. */
const CONSTRAINTS = new Set([
  "type",
  "format",
  "pattern",
  "const",
  "enum",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "required",
  "items",
  "anyOf",
  "oneOf",
  "allOf",
  "not",
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: Json | undefined): value is { [key: string]: Json } =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Every difference between two versions of a published document, each marked breaking or not.
 * `name` prefixes the paths (the file name).
 *
 * @example
 * const changes = contractChanges("door-event.v1.schema.json", released, current);
 * changes.filter((c) => c.breaking); // [] when the change is additive
 */
export function contractChanges(name: string, released: unknown, current: unknown): ContractChange[] {
  const changes: ContractChange[] = [];
  compare(name, released as Json, current as Json, changes, []);
  return changes;
}

/** Whether the last key names a property (`properties.description`), not a keyword. */
const namesProperty = (keys: readonly string[]) => keys.length >= 2 && keys[keys.length - 2] === "properties";

function compare(path: string, before: Json, after: Json, out: ContractChange[], keys: string[]): void {
  const last = keys[keys.length - 1];
  if (last !== undefined && ANNOTATIONS.has(last) && !namesProperty(keys)) return;
  // info.version moves with every release; the document's own version says nothing about readers.
  if (keys.length === 2 && keys[0] === "info" && last === "version") return;
  if (isObject(before) && isObject(after)) {
    compareObjects(path, before, after, out, keys);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    compareArrays(path, before, after, out, keys);
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    out.push({
      path,
      kind: "changed",
      breaking: true,
      detail: `${JSON.stringify(before)} became ${JSON.stringify(after)}`,
    });
  }
}

function compareObjects(
  path: string,
  before: { [key: string]: Json },
  after: { [key: string]: Json },
  out: ContractChange[],
  keys: string[],
): void {
  const inProperties = keys[keys.length - 1] === "properties" && !namesProperty(keys);
  for (const [key, value] of Object.entries(before)) {
    const child = `${path}.${key}`;
    const next = after[key];
    if (next === undefined) {
      if (ANNOTATIONS.has(key) && !inProperties) continue;
      out.push({ path: child, kind: "removed", breaking: true, detail: "removed" });
      continue;
    }
    compare(child, value, next, out, [...keys, key]);
  }
  for (const key of Object.keys(after)) {
    if (key in before || (ANNOTATIONS.has(key) && !inProperties)) continue;
    const child = `${path}.${key}`;
    // A new member under `properties` is a new property (its being required is judged with
    // `required`); a new constraint keyword on an existing schema narrows it.
    const narrows =
      !inProperties && CONSTRAINTS.has(key) && !(key === "required" && isEmptyArray(after[key]));
    out.push({
      path: child,
      kind: "added",
      breaking: narrows,
      detail: narrows ? "a constraint added to an existing schema" : "added",
    });
  }
}

function compareArrays(
  path: string,
  before: Json[],
  after: Json[],
  out: ContractChange[],
  keys: string[],
): void {
  const key = namesProperty(keys) ? undefined : keys[keys.length - 1];
  if (key === "required" || key === "enum") {
    const was = new Set(before.map((v) => JSON.stringify(v)));
    const now = new Set(after.map((v) => JSON.stringify(v)));
    for (const value of was) {
      if (!now.has(value)) {
        out.push({
          path: `${path}[${value}]`,
          kind: "removed",
          breaking: true,
          detail:
            key === "required"
              ? "no longer required: readers on the released version expect it"
              : "enum value removed: history on the topic still holds it",
        });
      }
    }
    for (const value of now) {
      if (!was.has(value)) {
        out.push({
          path: `${path}[${value}]`,
          kind: "added",
          breaking: key === "required",
          detail:
            key === "required"
              ? "newly required: records already on the topic lack it"
              : "enum value added (tolerant readers treat it as other)",
        });
      }
    }
    return;
  }
  if (before.length !== after.length) {
    out.push({
      path,
      kind: "changed",
      breaking: true,
      detail: `${before.length} items became ${after.length}`,
    });
    return;
  }
  before.forEach((item, index) => {
    compare(`${path}[${index}]`, item, after[index] as Json, out, [...keys, String(index)]);
  });
}

function isEmptyArray(value: Json | undefined): boolean {
  return Array.isArray(value) && value.length === 0;
}

/**
 * The changes of a whole set of published files (file name → parsed JSON) against the released set:
 * a released file that is gone is breaking; a new file is an addition.
 *
 * @example
 * const breaking = contractSetChanges(released, current).filter((c) => c.breaking);
 */
export function contractSetChanges(
  released: Readonly<Record<string, unknown>>,
  current: Readonly<Record<string, unknown>>,
): ContractChange[] {
  const changes: ContractChange[] = [];
  for (const [name, document] of Object.entries(released)) {
    if (!(name in current)) {
      changes.push({ path: name, kind: "removed", breaking: true, detail: "published file removed" });
      continue;
    }
    changes.push(...contractChanges(name, document, current[name]));
  }
  for (const name of Object.keys(current)) {
    if (!(name in released)) changes.push({ path: name, kind: "added", breaking: false, detail: "new file" });
  }
  return changes;
}
