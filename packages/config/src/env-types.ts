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

/**
 * A comma-separated `key=value` map, each value checked by `value` (so one variable can carry a
 * setting per domain). Every bad entry is reported, naming its key.
 *
 * @example
 * envMap(z.coerce.number().int().min(0)) // "dom_a=60000, dom_b=0" → { dom_a: 60000, dom_b: 0 }
 */
export const envMap = <V extends z.ZodType>(value: V) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const map: Record<string, z.output<V>> = {};
      const entries = (raw ?? "")
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0);
      for (const entry of entries) {
        const separator = entry.indexOf("=");
        const key = separator > 0 ? entry.slice(0, separator).trim() : "";
        if (key.length === 0) {
          ctx.addIssue({ code: "custom", message: `"${entry}" is not key=value`, input: raw });
          continue;
        }
        if (Object.hasOwn(map, key)) {
          ctx.addIssue({ code: "custom", message: `${key} is given twice`, input: raw });
          continue;
        }
        const parsed = value.safeParse(entry.slice(separator + 1).trim());
        if (parsed.success) map[key] = parsed.data;
        else
          for (const issue of parsed.error.issues) {
            ctx.addIssue({ code: "custom", message: `${key}: ${issue.message}`, input: raw });
          }
      }
      return map;
    });
