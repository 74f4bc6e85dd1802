import { expect, it } from "vitest";

/** A service's `load…Config`: pure, throws `ConfigError` listing every bad variable. */
type ConfigLoader = (env: Record<string, string>) => unknown;

/**
 * The issues a configuration loader reports for `env`: the `issues` of the `ConfigError` it throws
 * (recognised by name, so the testkit needs no dependency on the config package). Fails the test
 * when `env` loads, and passes any other error through.
 *
 * @example
 * expect(configIssues(loadIngressConfig, { PORT: "99999" })).toEqual([expect.stringMatching(/^PORT: /)]);
 */
export function configIssues(load: ConfigLoader, env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    const issues = (error as { issues?: unknown }).issues;
    if (error instanceof Error && error.name === "ConfigError" && Array.isArray(issues)) return issues;
    throw error;
  }
  return expect.unreachable("expected a ConfigError");
}

/**
 * The variables a configuration loader refuses for `env` (one per issue), sorted: for a test that every
 * problem is reported at once (`KAFKA_BROKERS.0` names the first broker of the list).
 *
 * @example
 * expect(refusedVariables(loadAuditConfig, { DATABASE_URL: "not a url", KAFKA_GROUP_ID: "a b" })).toEqual(["DATABASE_URL", "KAFKA_GROUP_ID"]);
 */
export function refusedVariables(load: ConfigLoader, env: Record<string, string>): string[] {
  return configIssues(load, env)
    .map((issue) => issue.split(":")[0] ?? issue)
    .sort();
}

/** One row of `itReadsConfig`: what the test proves, the environment, the configuration it gives. */
export interface ConfigReading {
  /** The behaviour, as the test is named. */
  name: string;
  env: Record<string, string>;
  /** The part of the configuration that must come out (compared with `toMatchObject`). */
  reads: Record<string, unknown>;
}

/**
 * One test per row: `load(env)` gives (at least) `reads`. For the rows of a service's configuration
 * table: its defaults, and what each variable sets.
 *
 * @example
 * itReadsConfig(loadAuditConfig, [
 *   { name: "keeps personal data 90 days by default", env: {}, reads: { erasure: { retentionDays: 90 } } },
 * ]);
 */
export function itReadsConfig(load: ConfigLoader, rows: readonly ConfigReading[]): void {
  it.each(rows)("$name", ({ env, reads }) => {
    expect(load(env)).toMatchObject(reads);
  });
}
