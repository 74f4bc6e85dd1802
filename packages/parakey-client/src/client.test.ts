import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { describe, expect, it } from "vitest";
import { createParakeyClient, type ParakeyClientOptions } from "./client.js";
import { ParakeyApiError } from "./errors.js";

// Parakey is outside the system: these tests answer for it with a scripted fetch. The same behaviours
// are proven against the simulator over real HTTP in the simulator package's integration tests.
type Scripted = Response | Error;

function scriptedParakey(script: Scripted[]) {
  const requests: { url: string; headers: Headers }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    requests.push({ url: String(input), headers: new Headers(init?.headers) });
    const next = script.shift();
    if (next === undefined) throw new Error("the test scripted fewer answers than were requested");
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, requests };
}

function clientFor(script: Scripted[], overrides: Partial<ParakeyClientOptions> = {}) {
  const parakey = scriptedParakey(script);
  const sleeps: number[] = [];
  const clock = new ManualClock(new Date("2026-10-21T07:27:30.000Z"));
  const client = createParakeyClient({
    token: "tok_secret",
    baseUrl: "https://parakey.test/",
    fetch: parakey.fetch,
    clock,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    ...overrides,
  });
  return { client, sleeps, requests: parakey.requests };
}

const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status: 200,
    headers: { "content-type": "application/json", ...headers },
  });
const status = (code: number, headers: Record<string, string> = {}) =>
  new Response(null, { status: code, headers });

describe("ParakeyClient retries", () => {
  it("sends the token in access-token and the query on the URL", async () => {
    const { client, requests } = clientFor([json([])]);
    await client.listEventLogs({ limit: 1 }, { ifNoneMatch: '"abc"' });
    expect(requests[0]?.url).toBe("https://parakey.test/eventLogs?limit=1");
    expect(requests[0]?.headers.get("access-token")).toBe("tok_secret");
    expect(requests[0]?.headers.get("if-none-match")).toBe('"abc"');
  });

  it("waits exactly what an HTTP-date Retry-After asks, measured on the injected clock", async () => {
    const { client, sleeps } = clientFor([
      status(429, { "retry-after": "Wed, 21 Oct 2026 07:28:00 GMT" }),
      json([], { etag: '"e1"' }),
    ]);
    const page = await client.listEventLogs({ limit: 1 });
    expect(sleeps).toEqual([30_000]);
    expect(page).toMatchObject({ status: "ok", etag: '"e1"', attempts: 2 });
  });

  it("backs off with full jitter (random 0.5 → half the doubling cap) on 5xx and network errors", async () => {
    const { client, sleeps } = clientFor(
      [status(503), new TypeError("fetch failed"), status(500), json([])],
      {
        backoff: { baseMs: 100, maxMs: 10_000 },
      },
    );
    await client.listEventLogs();
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it("gives up after maxAttempts with a retryable error carrying Parakey's last status", async () => {
    const { client } = clientFor([status(502), status(503), status(504)], { maxAttempts: 3 });
    const error = await client.listEventLogs().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParakeyApiError);
    expect(error).toMatchObject({
      code: "parakey_server_error",
      retryable: true,
      attempts: 3,
      upstreamStatus: 504,
    });
  });

  it("gives up at once when Retry-After asks for longer than the client is willing to wait", async () => {
    const { client, sleeps, requests } = clientFor([status(429, { "retry-after": "3600" })], {
      maxRetryAfterMs: 60_000,
    });
    const error = await client.listEventLogs().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "parakey_rate_limited", retryable: true, retryAfterMs: 3_600_000 });
    expect(sleeps).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it("never retries a refused token and says retrying will not help", async () => {
    const { client, requests } = clientFor([status(401), json([])]);
    const error = await client.listEventLogs().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "parakey_unauthorized", retryable: false, upstreamStatus: 401 });
    expect(requests).toHaveLength(1);
  });

  it("reports a body that is not a list of event logs as a bad response, not retryable", async () => {
    const { client } = clientFor([json({ message: "hello" })]);
    await expect(client.listEventLogs()).rejects.toMatchObject({
      code: "parakey_bad_response",
      retryable: false,
    });
  });

  it("passes the caller's abort through without retrying", async () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    const { client, requests } = clientFor([], {
      fetch: async () => {
        requests.push({ url: "", headers: new Headers() });
        controller.abort(reason);
        throw reason;
      },
    });
    await expect(client.listEventLogs({}, { signal: controller.signal })).rejects.toBe(reason);
    expect(requests).toHaveLength(1);
  });

  it("hands back the caller's abort reason when aborted while waiting to retry", async () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    const { client } = clientFor([status(503)], {
      sleep: async () => {
        controller.abort(reason);
        // What node:timers/promises throws when its signal aborts.
        throw new DOMException("The operation was aborted", "AbortError");
      },
    });
    await expect(client.listEventLogs({}, { signal: controller.signal })).rejects.toBe(reason);
  });

  it("keeps the good items of a page that holds a malformed one", async () => {
    const { client } = clientFor([
      json([
        {
          id: "el_1",
          timestamp: "2026-10-21T07:00:00Z",
          createdAt: "2026-10-21T07:00:01Z",
          device: { id: "d1" },
        },
        { nope: true },
      ]),
    ]);
    const page = await client.listEventLogs();
    expect(page.status === "ok" && page.items.map((item) => item.ok)).toEqual([true, false]);
  });

  it("answers not_found for an unknown event log id instead of throwing", async () => {
    const { client, requests } = clientFor([status(404)]);
    expect(await client.getEventLog("el/1")).toEqual({ status: "not_found", id: "el/1" });
    expect(requests[0]?.url).toBe("https://parakey.test/eventLogs/el%2F1");
  });
});
