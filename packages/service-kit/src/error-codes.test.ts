import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { errorCodeTable, generatedTableOf } from "./api-docs.js";
import { codeOfStatus, ERROR_CODE_NAMES, ERROR_CODES } from "./error-codes.js";
import { BridgeError, isRetryable, UnavailableError, ValidationError } from "./errors.js";

const errorsDoc = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "errors.md");

describe("the error-code list", () => {
  it("gives every code an error status and a meaning, and no code the status 410 (it stops Parakey)", () => {
    for (const code of ERROR_CODE_NAMES) {
      const spec = ERROR_CODES[code];
      expect(spec.status, code).toBeGreaterThanOrEqual(400);
      expect(spec.status, code).toBeLessThan(600);
      expect(spec.status, code).not.toBe(410);
      expect(spec.meaning.length, code).toBeGreaterThan(10);
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
    }
  });

  it("marks every 503 code retryable: a dependency that is down now may be up later", () => {
    for (const code of ERROR_CODE_NAMES) {
      if (ERROR_CODES[code].status === 503) expect(ERROR_CODES[code].retryable, code).toBe(true);
    }
  });

  it("is documented in docs/errors.md exactly as the list says (run `pnpm generate`)", () => {
    expect(generatedTableOf(readFileSync(errorsDoc, "utf8"))).toBe(errorCodeTable());
  });

  it("answers a bare status with a code of the list, and 410 with 503 unavailable", () => {
    expect(codeOfStatus(410)).toBe("unavailable");
    expect(ERROR_CODES[codeOfStatus(410)].status).toBe(503);
    expect(codeOfStatus(400)).toBe("invalid_request");
    expect(codeOfStatus(415)).toBe("invalid_request");
    expect(codeOfStatus(413)).toBe("payload_too_large");
    expect(codeOfStatus(500)).toBe("internal");
  });
});

describe("BridgeError", () => {
  it("takes its status and retryability from its code", () => {
    const error = new BridgeError("chain_conflict", "stored concurrently");
    expect([error.status, error.retryable, isRetryable(error)]).toEqual([503, true, true]);
    const unavailable = new UnavailableError("db_unavailable", "read-only");
    expect([unavailable.status, unavailable.retryable]).toEqual([503, true]);
    expect(new BridgeError("db_query_failed", "22P02").retryable).toBe(false);
  });

  it("does not compile with a code outside the list, or with a status the list does not give it", () => {
    // Checked by `pnpm typecheck` (each line must fail to compile); never called.
    const wrong = () => [
      // @ts-expect-error a code that is not in ERROR_CODES
      new BridgeError("store_busy", "x"),
      // @ts-expect-error record_too_large is a 500, not a 503
      new BridgeError("record_too_large", "x", { status: 503 }),
      // @ts-expect-error not_found is not a 503 code
      new UnavailableError("not_found", "x"),
    ];
    expect(wrong).toBeTypeOf("function");
  });
});

describe("ValidationError.ofZod", () => {
  it("names every invalid field as `field: problem`, joined with `; `", () => {
    const parsed = z
      .object({ date: z.iso.date({ error: "expected a date YYYY-MM-DD" }), limit: z.number().min(1) })
      .strict()
      .safeParse({ date: "2026-02-30", limit: 0, color: "blue" });
    expect(parsed.success).toBe(false);
    const error = ValidationError.ofZod(parsed.error as z.ZodError);
    expect(error.code).toBe("invalid_request");
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      'date: expected a date YYYY-MM-DD; limit: Too small: expected number to be >=1; Unrecognized key: "color"',
    );
  });
});
