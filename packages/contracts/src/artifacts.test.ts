import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generatedArtifacts } from "./artifacts.js";

const generatedDir = join(dirname(fileURLToPath(import.meta.url)), "..", "generated");

describe("generated artifacts", () => {
  it.each(Object.entries(generatedArtifacts()))(
    "%s is up to date with the zod source (run `pnpm generate`)",
    (name, content) => {
      expect(readFileSync(join(generatedDir, name), "utf8")).toBe(content);
    },
  );

  it("describes both event-log topics in the AsyncAPI document", () => {
    const doc = JSON.parse(generatedArtifacts()["asyncapi.json"] ?? "{}");
    const addresses = Object.values(doc.channels as Record<string, { address: string }>).map(
      (c) => c.address,
    );
    expect(addresses).toEqual(
      expect.arrayContaining(["parakey.event-logs.v1", "parakey.event-logs.rejected.v1"]),
    );
    expect(doc.asyncapi).toBe("3.0.0");
  });
});
