import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, loadConfig } from "./load-config.js";
import { databaseEnv, databaseSettingsOf, ServiceEnv } from "./service-env.js";

const Env = z.intersection(ServiceEnv, databaseEnv("audit"));

describe("ServiceEnv and databaseEnv", () => {
  it("default to the ports, drain budget and embedded database of a local run", () => {
    const env = loadConfig(Env, {});
    expect(env).toMatchObject({ PORT: 8080, ADMIN_PORT: 9464, HOST: "0.0.0.0", SHUTDOWN_GRACE_MS: 20_000 });
    expect(databaseSettingsOf(env)).toEqual({
      url: undefined,
      dataDir: ".data/audit",
      schema: "audit",
      poolSize: 5,
    });
  });

  it("treat an empty DATABASE_URL, OTLP endpoint or PGlite directory as absent (in memory)", () => {
    const env = loadConfig(Env, { DATABASE_URL: "", OTEL_EXPORTER_OTLP_ENDPOINT: "", PGLITE_DATA_DIR: "" });
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(databaseSettingsOf(env)).toMatchObject({ url: undefined, dataDir: undefined });
  });

  it("report every problem at once: a drain budget out of bounds, clashing ports, a bad schema name", () => {
    try {
      loadConfig(Env, {
        SHUTDOWN_GRACE_MS: "500",
        PORT: "9000",
        ADMIN_PORT: "9000",
        DATABASE_SCHEMA: "Audit-Trail",
        DATABASE_POOL_SIZE: "0",
      });
      expect.unreachable("loadConfig must throw");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((issue) => issue.split(":")[0]).sort()).toEqual(
        ["ADMIN_PORT", "DATABASE_POOL_SIZE", "DATABASE_SCHEMA", "SHUTDOWN_GRACE_MS"].sort(),
      );
    }
  });

  it("accept a standard trace sampler with its ratio, and refuse a misspelt sampler, a ratio above 1 or a ratio without a ratio sampler", () => {
    const env = loadConfig(Env, {
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
    });
    expect(env).toMatchObject({
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: 0.25,
    });
    const refused = (vars: Record<string, string>) => {
      try {
        loadConfig(Env, vars);
        return [];
      } catch (error) {
        return (error as ConfigError).issues.map((issue) => issue.split(":")[0]);
      }
    };
    expect(refused({ OTEL_TRACES_SAMPLER: "parentbased_traceratio" })).toEqual(["OTEL_TRACES_SAMPLER"]);
    expect(refused({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "10" })).toEqual([
      "OTEL_TRACES_SAMPLER_ARG",
    ]);
    expect(refused({ OTEL_TRACES_SAMPLER_ARG: "0.5" })).toEqual(["OTEL_TRACES_SAMPLER_ARG"]);
  });
});
