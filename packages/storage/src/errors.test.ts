import { BridgeError, UnavailableError } from "@parakey-bridge/service-kit";
import { describe, expect, it } from "vitest";
import { describeStatement } from "./db-spans.js";
import { classifyDbError } from "./errors.js";

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
    ["a pool connect timeout", new Error("timeout exceeded when trying to connect")],
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

  it.each(["40001", "40P01", "57014"])("retries the transient conflict %s", (code) => {
    const classified = classifyDbError(pgError(code));
    expect(classified).not.toBeInstanceOf(UnavailableError);
    expect(classified).toMatchObject({ code: "db_conflict", retryable: true });
  });

  it.each(["23505", "22P02", "42P01"])("never retries a statement the database rejects (%s)", (code) => {
    expect(classifyDbError(pgError(code))).toMatchObject({ code: "db_query_failed", retryable: false });
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
