import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { describe, expect, it } from "vitest";
import { BridgeError, ValidationError } from "./errors.js";
import { createErrorHandler, type ErrorBody, errorResponse, notFoundHandler } from "./http-errors.js";

const silent = { error: () => {} };

function appThrowing(error: unknown): Hono {
  const app = new Hono();
  app.use(requestId());
  app.get("/", () => {
    throw error;
  });
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(silent));
  return app;
}

async function answer(app: Hono, path = "/"): Promise<{ status: number; body: ErrorBody }> {
  const res = await app.request(path);
  return { status: res.status, body: (await res.json()) as ErrorBody };
}

describe("the one error answer", () => {
  it("answers a BridgeError with its code's status, code and message, and the request id", async () => {
    const { status, body } = await answer(appThrowing(new ValidationError("date: expected a date")));
    expect(status).toBe(400);
    expect(body).toEqual({
      error: { code: "invalid_request", message: "date: expected a date", requestId: expect.any(String) },
    });
    expect((await answer(appThrowing(new BridgeError("db_unavailable", "down")))).status).toBe(503);
  });

  it("answers a thrown 410 as 503 unavailable, as the ingress rewrites any 410 (one rule for 410)", async () => {
    const { status, body } = await answer(appThrowing(new HTTPException(410, { message: "gone" })));
    expect(status).toBe(503);
    expect(body.error.code).toBe("unavailable");
  });

  it("answers a framework's 4xx with the code of its status, never a code outside the list", async () => {
    const malformed = await answer(appThrowing(new HTTPException(400, { message: "Malformed JSON" })));
    expect([malformed.status, malformed.body.error.code]).toEqual([400, "invalid_request"]);
    const tooLarge = await answer(appThrowing(new HTTPException(413, { message: "too large" })));
    expect([tooLarge.status, tooLarge.body.error.code]).toEqual([413, "payload_too_large"]);
  });

  it("answers an unknown error 500 internal without its details", async () => {
    const { status, body } = await answer(appThrowing(new Error("secret detail")));
    expect(status).toBe(500);
    expect(body.error).toMatchObject({ code: "internal", message: "internal error" });
  });

  it("answers an unknown path 404 not_found", async () => {
    const { status, body } = await answer(appThrowing(new Error("unused")), "/nothing");
    expect([status, body.error.code]).toEqual([404, "not_found"]);
  });

  it("takes the status from the code, so a code answers the same status everywhere", async () => {
    const app = new Hono();
    app.get("/", (c) => errorResponse(c, "period_not_over", "not yet"));
    const res = await app.request("/");
    expect(res.status).toBe(409);
  });
});
