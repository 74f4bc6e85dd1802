import { z } from "zod";
import { envInt, envLogLevel, envPort } from "./env-types.js";

/** An empty variable counts as absent (a compose file or chart may render `NAME=""`). */
const emptyIsAbsent = (value: unknown) => (value === "" ? undefined : value);

/**
 * The samplers OpenTelemetry's JavaScript SDK builds from `OTEL_TRACES_SAMPLER` (the standard names).
 * The SDK itself would log an unknown name and record every trace; here it refuses to start instead.
 */
const TRACE_SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;

/**
 * What every service reads, under the same names: its ports, log level, trace export and sampling, and shutdown
 * budget. The Helm chart sets `SHUTDOWN_GRACE_MS` from `<component>.shutdownGraceMs` and derives the
 * pod's `terminationGracePeriodSeconds` from it, so a service must never drain for longer.
 *
 * @example
 * const Env = z.intersection(ServiceEnv, z.object({ MY_SETTING: envInt(5) }));
 */
export const ServiceEnv = z
  .object({
    PORT: envPort(8080),
    ADMIN_PORT: envPort(9464),
    HOST: z.string().min(1).default("0.0.0.0"),
    LOG_LEVEL: envLogLevel(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(
      emptyIsAbsent,
      z.url({ error: "expected an absolute URL" }).optional(),
    ),
    /**
     * Which traces are recorded. Read by the OpenTelemetry SDK itself; validated here so a typo stops
     * the start. Unset, the services record 10 % of new traces and follow the caller's decision
     * (`DEFAULT_TRACE_SAMPLE_RATIO` in @parakey-bridge/telemetry).
     */
    OTEL_TRACES_SAMPLER: z.preprocess(emptyIsAbsent, z.enum(TRACE_SAMPLERS).optional()),
    /** The share of new traces a `…traceidratio` sampler records, 0 to 1. */
    OTEL_TRACES_SAMPLER_ARG: z.preprocess(emptyIsAbsent, z.coerce.number().min(0).max(1).optional()),
    /** Graceful drain after SIGTERM: stop intake, finish in-flight work, commit, close pools. */
    SHUTDOWN_GRACE_MS: envInt(20_000, { min: 1_000, max: 600_000 }),
  })
  .superRefine((env, ctx) => {
    if (env.PORT !== 0 && env.PORT === env.ADMIN_PORT) {
      ctx.addIssue({ code: "custom", path: ["ADMIN_PORT"], message: "must differ from PORT" });
    }
    if (env.OTEL_TRACES_SAMPLER_ARG !== undefined && !env.OTEL_TRACES_SAMPLER?.endsWith("traceidratio")) {
      ctx.addIssue({
        code: "custom",
        path: ["OTEL_TRACES_SAMPLER_ARG"],
        message: "applies only with OTEL_TRACES_SAMPLER=parentbased_traceidratio or traceidratio",
      });
    }
  });

/** PostgreSQL schema names the services accept (their search path). */
const schemaName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "lower-case letters, digits, _");

/**
 * The database settings of a service that keeps state, under the same names in every service.
 * Without `DATABASE_URL` (absent or empty) the service runs on embedded PGlite in `PGLITE_DATA_DIR`
 * (`.data/<service>`; empty = in memory), so a start command needs no database server.
 *
 * @example
 * const Env = z.intersection(ServiceEnv, databaseEnv("audit"));
 * databaseSettingsOf(loadConfig(Env, {})); // { url: undefined, dataDir: ".data/audit", schema: "audit", poolSize: 5 }
 */
export const databaseEnv = (service: string) =>
  z.object({
    DATABASE_URL: z.preprocess(emptyIsAbsent, z.url({ error: "expected a postgres:// URL" }).optional()),
    PGLITE_DATA_DIR: z.string().default(`.data/${service}`),
    DATABASE_SCHEMA: schemaName.default(service),
    DATABASE_POOL_SIZE: envInt(5, { min: 1, max: 100 }),
  });

export interface DatabaseSettings {
  /** PostgreSQL URL; undefined = embedded PGlite. */
  url: string | undefined;
  /** PGlite data directory; undefined = in memory. */
  dataDir: string | undefined;
  schema: string;
  poolSize: number;
}

/**
 * The database part of a parsed environment, in the shape `openDb` takes.
 *
 * @example
 * const db = await openDb({ ...databaseSettingsOf(env), log });
 */
export function databaseSettingsOf(env: z.output<ReturnType<typeof databaseEnv>>): DatabaseSettings {
  return {
    url: env.DATABASE_URL,
    dataDir: env.PGLITE_DATA_DIR === "" ? undefined : env.PGLITE_DATA_DIR,
    schema: env.DATABASE_SCHEMA,
    poolSize: env.DATABASE_POOL_SIZE,
  };
}
