import { BridgeError, UnavailableError } from "@parakey-bridge/service-kit";
import { describe, expect, it } from "vitest";
import { describeStatement } from "./db-spans.js";
import { classifyDbError, failureKindOfState } from "./errors.js";

const pgError = (code: string, message = "boom") => Object.assign(new Error(message), { code });

describe("classifyDbError", () => {
  it.each([
    ["a refused connection", pgError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432")],
    [
      "a server shutting down (57P01)",
      pgError("57P01", "terminating connection due to administrator command"),
    ],
    ["a server starting up (57P03)", pgError("57P03", "the database system is starting up")],
    ["a connection exception (08006)", pgError("08006", "connection failure")],
    [
      "a read-only server (25006), as after a failover or default_transaction_read_only",
      pgError("25006", "cannot execute INSERT in a read-only transaction"),
    ],
    ["a terminated connection without a code", new Error("Connection terminated unexpectedly")],
    ["a connect attempt that timed out", new Error("Connection terminated due to connection timeout")],
    [
      "an AggregateError of socket errors",
      Object.assign(new AggregateError([pgError("ECONNREFUSED")], ""), { code: undefined }),
    ],
  ])("calls %s unavailable (retryable, pauses consumers)", (_, error) => {
    const classified = classifyDbError(error);
    expect(classified).toBeInstanceOf(UnavailableError);
    expect(classified.code).toBe("db_unavailable");
    expect(classified.retryable).toBe(true);
    expect(classified.cause).toBe(error);
  });

  // The one table of what a SQLSTATE means to a consumer (issue 13, item 4).
  it.each([
    ["25006", "read-only transaction (a standby after a failover)", "environment"],
    ["53100", "disk full", "environment"],
    ["53200", "out of memory", "environment"],
    ["53300", "too many connections", "environment"],
    ["42501", "insufficient privilege (a revoked grant)", "environment"],
    ["42P01", "undefined table (migrations not applied)", "environment"],
    ["42703", "undefined column", "environment"],
    ["3F000", "invalid schema name", "environment"],
    ["57P01", "admin shutdown", "environment"],
    ["57P03", "cannot connect now", "environment"],
    ["58030", "I/O error", "environment"],
    ["08006", "connection failure", "environment"],
    ["28P01", "password rejected", "environment"],
    ["XX000", "internal error", "environment"],
    ["40001", "serialization failure", "transient"],
    ["40P01", "deadlock", "transient"],
    ["55P03", "lock not available", "transient"],
    ["57014", "statement timeout", "transient"],
    ["22P02", "invalid text representation", "record"],
    ["22001", "string too long", "record"],
    ["23502", "not-null violation", "record"],
    ["23505", "unique violation that is no dedupe", "record"],
    ["23514", "check violation", "record"],
    ["42601", "syntax error", "record"],
  ])("SQLSTATE %s (%s) is %s", (state, _, kind) => {
    expect(failureKindOfState(state)).toBe(kind);
  });

  it.each(["25006", "53100", "53200", "42501", "42P01", "42703", "57000"])(
    "pauses (UnavailableError) on the environmental failure %s instead of dead-lettering",
    (code) => {
      const classified = classifyDbError(pgError(code));
      expect(classified).toBeInstanceOf(UnavailableError);
      expect(classified).toMatchObject({ code: "db_unavailable", retryable: true });
    },
  );

  it.each(["40001", "40P01", "55P03", "57014"])("retries the transient conflict %s", (code) => {
    const classified = classifyDbError(pgError(code));
    expect(classified).not.toBeInstanceOf(UnavailableError);
    expect(classified).toMatchObject({ code: "db_conflict", retryable: true });
  });

  it.each(["23505", "23502", "22P02", "22003"])(
    "dead-letters only what is tied to the record (%s: non-retryable)",
    (code) => {
      expect(classifyDbError(pgError(code))).toMatchObject({ code: "db_query_failed", retryable: false });
    },
  );

  it("waits for a free connection of an exhausted pool without calling it an outage", () => {
    const classified = classifyDbError(new Error("timeout exceeded when trying to connect"));
    expect(classified).not.toBeInstanceOf(UnavailableError);
    expect(classified).toMatchObject({ code: "db_pool_exhausted", retryable: true });
  });

  it("passes the project's own errors through", () => {
    const error = new BridgeError("chain_conflict", "retry", { retryable: true });
    expect(classifyDbError(error)).toBe(error);
  });
});

describe("describeStatement", () => {
  it("names the operation and table of a statement for its span", () => {
    expect(describeStatement("INSERT INTO audit_events (a) VALUES ($1)")).toEqual({
      operation: "INSERT",
      collection: "audit_events",
    });
    expect(describeStatement("  select * from chain_heads where x = 1 for update")).toEqual({
      operation: "SELECT",
      collection: "chain_heads",
    });
    expect(describeStatement("UPDATE t SET a = 1", { collection: "other" }).collection).toBe("other");
  });
});
