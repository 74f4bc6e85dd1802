import type { z } from "zod";

/** Thrown by loadConfig with every problem found, so an operator fixes them all in one go. */
export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/**
 * Parses configuration from an environment map with a zod schema. Pure: no process access, so
 * services call it from their composition root and tests pass a plain object.
 *
 * @example
 * const config = loadConfig(IngressEnv, process.env); // throws ConfigError listing every bad variable
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.length > 0 ? issue.path.join(".") : "(environment)";
      return `${name}: ${issue.message}`;
    }),
  );
}

/**
 * Loads config in a composition root: on failure prints every problem to stderr and exits 1.
 *
 * @example
 * const config = loadConfigOrExit(AuditEnv, process.env);
 */
export function loadConfigOrExit<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * A service's `load…Config(env)`: parse with `schema` (throwing `ConfigError` listing every problem),
 * then map the parsed environment to the typed configuration with `of`. Pure.
 *
 * @example
 * export const loadAuditConfig = configLoader(AuditEnv, auditConfigOf);
 */
export function configLoader<S extends z.ZodType, C>(
  schema: S,
  of: (env: z.output<S>) => C,
): (env: Record<string, string | undefined>) => C {
  return (env) => of(loadConfig(schema, env));
}
