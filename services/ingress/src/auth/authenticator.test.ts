import { describe, expect, it } from "vitest";
import { authHeaders, BASIC_PASSWORD, BASIC_USER, OLD_SECRET, SECRET, testApp } from "../testing/fixtures.js";
import { type Authenticator, createAuthenticator, oncePerRequest } from "./authenticator.js";

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const body = JSON.stringify({
  id: "el_1",
  deviceId: "lock-1",
  timestamp: "2026-11-23T08:00:00Z",
  createdAt: "2026-11-23T08:00:01Z",
});

describe("webhook authentication", () => {
  it.each([
    ["no credentials", {}],
    ["a wrong secret", { "x-parakey-secret": "not-the-secret-at-all" }],
    ["an empty secret", { "x-parakey-secret": "" }],
    ["a secret that is a prefix of the real one", { "x-parakey-secret": SECRET.slice(0, -1) }],
    ["the secret in another header", { "x-other-secret": SECRET }],
    ["a wrong Basic password", { authorization: basic(BASIC_USER, "wrong-password-0123456") }],
    ["an unknown Basic user", { authorization: basic("mallory", BASIC_PASSWORD) }],
    ["another scheme", { authorization: `Bearer ${SECRET}` }],
    ["garbage Basic", { authorization: "Basic !!!" }],
  ])("answers 401 and produces nothing for %s", async (_, headers) => {
    const { app, sink, registry } = testApp();
    const res = await app.request("/webhooks/parakey", { method: "POST", body, headers });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Basic");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
    expect(sink.records).toHaveLength(0);
    expect(await registry.metrics()).toContain('bridge_webhook_requests_total{outcome="unauthorized"} 1');
  });

  it("answers 401 before reading an oversized body", async () => {
    const { app } = testApp({ bodyLimitBytes: 1024 });
    const res = await app.request("/webhooks/parakey", { method: "POST", body: "x".repeat(5000) });
    expect(res.status).toBe(401);
  });

  it.each([
    ["the current secret", { "x-parakey-secret": SECRET }],
    ["the previous secret (rotation)", { "x-parakey-secret": OLD_SECRET }],
    ["HTTP Basic", { authorization: basic(BASIC_USER, BASIC_PASSWORD) }],
    [
      "HTTP Basic with a lower-case scheme",
      { authorization: basic(BASIC_USER, BASIC_PASSWORD).replace("Basic", "basic") },
    ],
    ["a valid secret next to a wrong Basic header", { ...authHeaders, authorization: basic("x", "y") }],
  ])("accepts %s", async (_, headers) => {
    const { app, sink } = testApp();
    const res = await app.request("/webhooks/parakey", { method: "POST", body, headers });
    expect(res.status).toBe(200);
    expect(sink.records).toHaveLength(1);
  });

  it("accepts a password containing colons", () => {
    const authenticate = createAuthenticator({
      basic: [{ user: "u", password: "pa:ss:word-0123456789" }],
      secretHeader: undefined,
      secrets: [],
      insecureNoAuth: false,
    });
    expect(authenticate(new Headers({ authorization: basic("u", "pa:ss:word-0123456789") }))).toEqual({
      ok: true,
      method: "basic",
      principal: "basic:u",
    });
  });

  it("checks a request's credentials once however often its answer is asked for, and each request anew", () => {
    const checked: Headers[] = [];
    const counting: Authenticator = (headers) => {
      checked.push(headers);
      return { ok: true, method: "secret-header", principal: "secret-header" };
    };
    const authenticate = oncePerRequest(counting);
    const first = new Headers({ "x-parakey-secret": SECRET });
    const second = new Headers({ "x-parakey-secret": SECRET });
    expect(authenticate(first)).toBe(authenticate(first));
    authenticate(second);
    expect(checked).toEqual([first, second]);
  });

  it("accepts requests without credentials only in the explicit insecure mode", async () => {
    const none = { basic: [], secretHeader: undefined, secrets: [] };
    expect(() => createAuthenticator({ ...none, insecureNoAuth: false })).toThrow(/no webhook credential/);
    const { app } = testApp({ auth: { ...none, insecureNoAuth: true } });
    expect((await app.request("/webhooks/parakey", { method: "POST", body })).status).toBe(200);
  });

  it("does not challenge for Basic when only a secret header is configured", async () => {
    const { app } = testApp({
      auth: { basic: [], secretHeader: "x-parakey-secret", secrets: [SECRET], insecureNoAuth: false },
    });
    const res = await app.request("/webhooks/parakey", { method: "POST", body });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBeNull();
  });
});
