import { describe, expect, it } from "vitest";
import { z } from "zod";
import { envMap } from "./env-types.js";
import { ConfigError, loadConfig } from "./load-config.js";

const Schema = z.object({ WINDOWS: envMap(z.coerce.number().int().min(0)) });

describe("envMap", () => {
  it("reads key=value pairs, trimming blanks, and is empty when absent", () => {
    expect(loadConfig(Schema, { WINDOWS: " dom_a=60000, dom_b = 0 ," })).toEqual({
      WINDOWS: { dom_a: 60000, dom_b: 0 },
    });
    expect(loadConfig(Schema, {})).toEqual({ WINDOWS: {} });
  });

  it("reports every bad entry under the variable's name, naming the key", () => {
    try {
      loadConfig(Schema, { WINDOWS: "dom_a=-1,nonsense,dom_b=1,dom_b=2" });
      expect.unreachable("loadConfig must throw");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues;
      expect(issues).toHaveLength(3);
      expect(issues.every((issue) => issue.startsWith("WINDOWS: "))).toBe(true);
      expect(issues[0]).toContain("dom_a");
      expect(issues[1]).toContain('"nonsense" is not key=value');
      expect(issues[2]).toContain("dom_b is given twice");
    }
  });
});
