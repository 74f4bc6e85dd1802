import { ValidationError } from "@parakey-bridge/service-kit";
import { z } from "zod";

/** A calendar day `YYYY-MM-DD` that exists (no 2026-02-30). */
export const LocalDate = z.iso.date({ error: "expected a date YYYY-MM-DD" });

/** An id in a path: non-empty, bounded. */
export const PathId = z.string().min(1).max(200);

/**
 * Parses request input with a zod schema; a failure is a 400 in the one error shape, listing every
 * problem.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues
      .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
      .join("; "),
  );
}
