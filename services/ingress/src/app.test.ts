import { createHash } from "node:crypto";
import { metricValue } from "@parakey-bridge/testkit";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { neverGone } from "./never-gone.js";
import { authHeaders, testApp } from "./testing/fixtures.js";

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
const PATHS = [
  "/webhooks/parakey",
  "/webhooks/parakey/",
  "/",
  "/webhooks",
  "/webhooks/parakey/extra",
  "/metrics",
];

describe("routing", () => {
  it("answers unknown paths 404 in the one error shape, echoing the request id", async () => {
    const { app } = testApp();
    const res = await app.request("/nope", { headers: { "x-request-id": "req-123" } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "not_found", message: "no such route", requestId: "req-123" },
    });
  });

  it.each(METHODS.filter((m) => m !== "POST"))(
    "answers %s on the webhook path 405 with Allow: POST",
    async (method) => {
      const { app } = testApp();
      const res = await app.request("/webhooks/parakey", { method });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    },
  );

  it("accepts the webhook path with a trailing slash", async () => {
    const { app } = testApp();
    const res = await app.request("/webhooks/parakey/", { method: "POST", body: "{}", headers: authHeaders });
    expect(res.status).toBe(200);
  });

  it("serves the webhook on the configured path", async () => {
    const { app } = testApp({ path: "/hooks/pk-1" });
    expect(
      (await app.request("/hooks/pk-1", { method: "POST", body: "{}", headers: authHeaders })).status,
    ).toBe(200);
    expect(
      (await app.request("/webhooks/parakey", { method: "POST", body: "{}", headers: authHeaders })).status,
    ).toBe(404);
  });
});

describe("body limit", () => {
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

  it("stores a body over the limit (announced by Content-Length) as rejected: its first bytes, size and SHA-256, answered 200", async () => {
    const { post, sink, registry, config } = testApp({ bodyLimitBytes: 1024 });
    const body = `{"id":"el_big","pad":"${"x".repeat(10_000)}"}`;
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "rejected", reason: "too_large" });
    const [stored] = sink.on(config.topics.rejected);
    expect(stored?.value.toString()).toBe(body.slice(0, 1024));
    expect(stored?.headers).toMatchObject({
      "pb-reject-reason": "too_large",
      "pb-truncated": "true",
      "pb-original-bytes": String(body.length),
      "pb-original-sha256": sha256(body),
    });
    expect(sink.on(config.topics.eventLogs)).toHaveLength(0);
    expect(await metricValue(registry, 'bridge_webhook_requests_total{outcome="rejected"}')).toBe(1);
  });

  it("stores a streamed body that grows over the limit as rejected, with the whole body's size and digest", async () => {
    const { app, sink, config } = testApp({ bodyLimitBytes: 1024 });
    const chunk = new TextEncoder().encode("x".repeat(600));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await app.request("/webhooks/parakey", {
      method: "POST",
      body,
      headers: authHeaders,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(sink.on(config.topics.rejected)[0]?.headers).toMatchObject({
      "pb-original-bytes": "1200",
      "pb-original-sha256": sha256("x".repeat(1200)),
    });
  });

  it("keeps the whole body's size and digest when the rejected topic refuses even the prefix", async () => {
    const { post, sink, config } = testApp({ bodyLimitBytes: 4096 });
    sink.limitTopic(config.topics.rejected, 3_000);
    const body = "y".repeat(10_000);
    expect((await post(body)).status).toBe(200);
    const [stored] = sink.on(config.topics.rejected);
    expect(stored?.value.byteLength).toBeLessThanOrEqual(3_000);
    expect(stored?.headers).toMatchObject({
      "pb-original-bytes": "10000",
      "pb-original-sha256": sha256(body),
    });
  });

  it("answers 413 without reading a body announced larger than 16 times the limit, storing nothing", async () => {
    const { post, sink, registry } = testApp({ bodyLimitBytes: 1024 });
    const res = await post("x".repeat(16 * 1024 + 1));
    expect(res.status).toBe(413);
    expect(sink.records).toHaveLength(0);
    expect(await metricValue(registry, 'bridge_webhook_requests_total{outcome="too_large"}')).toBe(1);
  });

  it("takes a body of exactly the limit", async () => {
    const { post } = testApp({ bodyLimitBytes: 1024 });
    const res = await post(`"${"x".repeat(1022)}"`);
    expect(res.status).toBe(200);
  });
});

describe("never 410", () => {
  it("answers no route, method or failure with 410 (open, Kafka down, shutting down)", async () => {
    const states = ["open", "kafka-down", "shutting-down"] as const;
    for (const state of states) {
      const { app, sink, intake } = testApp();
      if (state === "kafka-down") sink.failWith();
      if (state === "shutting-down") intake.close();
      for (const path of PATHS) {
        for (const method of METHODS) {
          for (const headers of [{}, authHeaders]) {
            const body = method === "GET" || method === "HEAD" ? undefined : '{"id":"el_1","deviceId":"d"}';
            const res = await app.request(path, { method, headers, body });
            expect(res.status, `${state} ${method} ${path}`).not.toBe(410);
            expect(res.status, `${state} ${method} ${path}`).toBeGreaterThanOrEqual(200);
          }
        }
      }
    }
  });

  it("turns a 410 answered or thrown by any handler into 503", async () => {
    const app = new Hono();
    app.use("*", neverGone(pino({ level: "silent" })));
    app.get("/answered", (c) => c.text("gone", 410));
    app.get("/thrown", () => {
      throw new HTTPException(410, { message: "gone" });
    });
    app.onError((error, c) => (error instanceof HTTPException ? error.getResponse() : c.text("boom", 500)));
    for (const path of ["/answered", "/thrown"]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(503);
    }
  });
});

describe("shutdown", () => {
  it("answers 503 with Retry-After and Connection: close once intake is closed, producing nothing", async () => {
    const { post, sink, intake, registry } = testApp();
    intake.close();
    const res = await post('{"id":"el_late","deviceId":"d","timestamp":"2026-11-23T08:00:00Z"}');
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(res.headers.get("connection")).toBe("close");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("shutting_down");
    expect(sink.records).toHaveLength(0);
    expect(await metricValue(registry, 'bridge_webhook_requests_total{outcome="shutting_down"}')).toBe(1);
  });
});
