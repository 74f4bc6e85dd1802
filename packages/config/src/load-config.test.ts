import { describe, expect, it } from "vitest";
import { z } from "zod";
import { envBoolean, envInt, envList, envPort } from "./env-types.js";
import { ConfigError, loadConfig } from "./load-config.js";

const Schema = z.object({
  PORT: envPort(8080),
  ENABLED: envBoolean(false),
  BROKERS: envList(["127.0.0.1:9092"]),
  BATCH: envInt(100, { min: 1 }),
});

describe("loadConfig", () => {
  it("applies defaults when variables are absent", () => {
    expect(loadConfig(Schema, {})).toEqual({
      PORT: 8080,
      ENABLED: false,
      BROKERS: ["127.0.0.1:9092"],
      BATCH: 100,
    });
  });

  it("parses booleans, lists and integers from strings", () => {
    expect(loadConfig(Schema, { PORT: "9000", ENABLED: "YES", BROKERS: "a:1, b:2,", BATCH: "5" })).toEqual({
      PORT: 9000,
      ENABLED: true,
      BROKERS: ["a:1", "b:2"],
      BATCH: 5,
    });
  });

  it("reports every bad variable at once", () => {
    try {
      loadConfig(Schema, { PORT: "99999", ENABLED: "maybe", BATCH: "0" });
      expect.unreachable("loadConfig must throw");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues;
      expect(issues).toHaveLength(3);
      expect(issues.map((issue) => issue.split(":")[0])).toEqual(["PORT", "ENABLED", "BATCH"]);
    }
  });
});
