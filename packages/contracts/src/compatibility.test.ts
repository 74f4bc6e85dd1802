import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generatedArtifacts } from "./artifacts.js";
import { contractChanges, contractSetChanges } from "./compatibility.js";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const releasedRoot = join(packageDir, "released");
const latest = readdirSync(releasedRoot)
  .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
  .at(-1) as string;
const readDir = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir).map((name) => [name, JSON.parse(readFileSync(join(dir, name), "utf8"))]),
  );
const released = readDir(join(releasedRoot, latest));
const current = Object.fromEntries(
  Object.entries(generatedArtifacts()).map(([name, text]) => [name, JSON.parse(text)]),
);

// biome-ignore lint/suspicious/noExplicitAny: fixtures edit parsed JSON freely
type Doc = any;
const clone = (value: unknown): Doc => structuredClone(value);
const door = () => clone(released["door-event.v1.schema.json"]);
const asyncApi = () => clone(released["asyncapi.json"]);
const breakingOf = (name: string, before: unknown, after: unknown) =>
  contractChanges(name, before, after).filter((c) => c.breaking);

describe("contract compatibility", () => {
  it(`the generated contract is compatible with the last released version (released/${latest})`, () => {
    expect(contractSetChanges(released, current).filter((c) => c.breaking)).toEqual([]);
  });

  it.each([
    ["a property removed", (d: Doc) => delete d.properties.domainId],
    ["a property's type changed", (d: Doc) => (d.properties.delayMs.type = "string")],
    ["null no longer allowed", (d: Doc) => (d.properties.userId = d.properties.userId.anyOf[0])],
    [
      "a new required property",
      (d: Doc) => {
        d.properties.site = { type: "string" };
        d.required.push("site");
      },
    ],
    ["a property no longer required", (d: Doc) => d.required.splice(d.required.indexOf("success"), 1)],
    ["an enum value removed", (d: Doc) => (d.properties.via.enum = ["webhook"])],
    ["a format changed", (d: Doc) => (d.properties.occurredAt.format = "date")],
    ["a constraint added", (d: Doc) => (d.properties.deviceId.maxLength = 10)],
  ])("flags %s in a topic's JSON Schema as breaking", (_name, edit) => {
    const after = door();
    edit(after);
    expect(breakingOf("door-event.v1.schema.json", door(), after)).not.toEqual([]);
  });

  it.each([
    ["a channel removed", (d: Doc) => delete d.channels.checkins],
    ["a channel's address changed", (d: Doc) => (d.channels.eventLogs.address = "parakey.event-logs.v2")],
    ["a header removed", (d: Doc) => delete d.components.messages.DoorEvent.headers.properties.ce_id],
    ["a payload property removed", (d: Doc) => delete d.components.messages.CheckIn.payload.properties.live],
  ])("flags %s in the AsyncAPI document as breaking", (_name, edit) => {
    const after = asyncApi();
    edit(after);
    expect(breakingOf("asyncapi.json", asyncApi(), after)).not.toEqual([]);
  });

  it("passes additive changes: a new optional property, a new enum value, new descriptions, a new channel, a new file", () => {
    const schema = door();
    schema.properties.site = { type: "string", description: "new, optional" };
    schema.properties.via.enum.push("backfill");
    schema.properties.eventLogId.description = "reworded";
    const doc = asyncApi();
    doc.info.version = "1.1.0";
    doc.channels.doorEventsV2 = { address: "parakey.door-events.v2", messages: {} };
    doc.components.messages.DoorEvent.headers.properties["pb-new"] = { type: "string" };
    const changes = contractSetChanges(
      { "door-event.v1.schema.json": door(), "asyncapi.json": asyncApi() },
      { "door-event.v1.schema.json": schema, "asyncapi.json": doc, "door-event.v2.schema.json": {} },
    );
    expect(changes.filter((c) => c.breaking)).toEqual([]);
    expect(changes.map((c) => c.kind)).toContain("added");
  });

  it("flags a published file that disappeared", () => {
    const changes = contractSetChanges(released, { "asyncapi.json": released["asyncapi.json"] });
    expect(changes.filter((c) => c.breaking).map((c) => c.path)).toContain("door-event.v1.schema.json");
  });

  it("the CI command exits 1 on a breaking fixture change and 0 on an additive one", () => {
    const root = mkdtempSync(join(tmpdir(), "compat-"));
    const write = (dir: string, schema: unknown) => {
      mkdirSync(join(root, dir));
      writeFileSync(join(root, dir, "door-event.v1.schema.json"), JSON.stringify(schema));
    };
    write("released", door());
    const additive = door();
    additive.properties.site = { type: "string" };
    write("additive", additive);
    const breaking = door();
    delete breaking.properties.deviceId;
    write("breaking", breaking);
    const run = (dir: string) =>
      spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          join(packageDir, "src", "schema-compat.ts"),
          "--released",
          join(root, "released"),
          "--current",
          join(root, dir),
        ],
        { encoding: "utf8" },
      );
    const ok = run("additive");
    expect(ok.stdout).toContain("compatible with");
    expect(ok.status).toBe(0);
    const failed = run("breaking");
    expect(failed.stdout).toContain("BREAKING removed door-event.v1.schema.json.properties.deviceId");
    expect(failed.status).toBe(1);
  });
});
