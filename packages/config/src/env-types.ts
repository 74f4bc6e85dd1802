import { z } from "zod";

/** `true/false/1/0/yes/no` (case-insensitive) → boolean; anything else is an error, not false. */
export const envBoolean = (defaultValue: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(["true", "false", "1", "0", "yes", "no"], { error: "expected true or false" }))
    .transform((value) => value === "true" || value === "1" || value === "yes")
    .optional()
    .transform((value) => value ?? defaultValue);

/** An integer from a string, with bounds. */
export const envInt = (defaultValue: number, bounds: { min?: number; max?: number } = {}) => {
  let schema = z.coerce.number().int();
  if (bounds.min !== undefined) schema = schema.min(bounds.min);
  if (bounds.max !== undefined) schema = schema.max(bounds.max);
  return z.preprocess((value) => (value === undefined || value === "" ? defaultValue : value), schema);
};

/** A TCP port number. */
export const envPort = (defaultValue: number) => envInt(defaultValue, { min: 0, max: 65_535 });

/** A comma-separated list; blank items dropped. */
export const envList = (defaultValue: string[] = []) =>
  z
    .string()
    .optional()
    .transform((value) =>
      value === undefined
        ? defaultValue
        : value
            .split(",")
            .map((item) => item.trim())
            .filter((item) => item.length > 0),
    );

/** A URL. */
export const envUrl = () => z.url({ error: "expected an absolute URL" });

/** Log level for pino. */
export const envLogLevel = () =>
  z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info");
