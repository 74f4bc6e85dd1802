import { createLogger } from "@parakey-bridge/telemetry";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Webhook, type WebhookSettings } from "./webhook.js";

const MINUTE = 60_000;
const START = Date.parse("2026-11-23T08:00:00.000Z");

/** A webhook receiver outside the system, answering from a script and recording what it got. */
function receiver(answer: (call: number) => number | "hang") {
  const calls: { at: number; url: string; init: RequestInit }[] = [];
  const fetch: typeof globalThis.fetch = (input, init = {}) => {
    calls.push({ at: Date.now() - START, url: String(input), init });
    const status = answer(calls.length);
    if (status === "hang") {
      return new Promise((_, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true });
      });
    }
    return Promise.resolve(new Response(null, { status }));
  };
  return { fetch, calls };
}

const log = createLogger({ service: "test", level: "silent" });
const eventLog = (overrides: Record<string, unknown> = {}) => ({
  id: "el_1",
  timestamp: "2026-11-23T07:59:59.000Z",
  createdAt: "2026-11-23T08:00:00.000Z",
  success: true,
  domain: { id: "dom_1", name: "HQ" },
  device: { id: "dev_1", name: "Front door", type: "lock" },
  user: null,
  ...overrides,
});

function hook(
  answer: (call: number) => number | "hang",
  settings: Partial<WebhookSettings> = {},
  timeScale = 1,
) {
  const parakey = receiver(answer);
  const webhook = new Webhook(
    "wh_1",
    { url: "http://receiver.test/hook", ...settings },
    { fetch: parakey.fetch, retryTimeScale: timeScale, timeoutMs: 15_000, log },
  );
  return { webhook, calls: parakey.calls };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => vi.useRealTimers());

describe("webhook delivery", () => {
  it("POSTs the event log itself as the body, with the custom headers, JSON and Parakey's user agent", async () => {
    const { webhook, calls } = hook(() => 200, {
      headers: { Authorization: "Basic c2VjcmV0", "X-Env": "test" },
    });
    const log = eventLog({ unknownField: [1, 2] });
    webhook.publish(log);
    await webhook.idle();
    expect(calls).toHaveLength(1);
    const init = calls[0]?.init;
    expect(calls[0]?.url).toBe("http://receiver.test/hook");
    expect(init?.method).toBe("POST");
    expect(JSON.parse(String(init?.body))).toEqual(log);
    expect(init?.headers).toEqual({
      Authorization: "Basic c2VjcmV0",
      "X-Env": "test",
      "content-type": "application/json",
      "user-agent": "Parakey-WebhookWorker/1.0",
    });
    expect(webhook.stats()).toMatchObject({ delivered: 1, failedAttempts: 0, pending: 0 });
  });

  it("retries a failing receiver 5 times, at +1, +3, +7, +12 and +20 minutes, then drops the delivery", async () => {
    const { webhook, calls } = hook(() => 500);
    webhook.publish(eventLog());
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(calls.map((call) => call.at)).toEqual([0, 1, 3, 7, 12, 20].map((m) => m * MINUTE));
    expect(webhook.stats()).toMatchObject({ delivered: 0, failedAttempts: 6, dropped: 1, pending: 0 });
  });

  it("stops retrying once an attempt is answered 2xx", async () => {
    const { webhook, calls } = hook((call) => (call < 3 ? 503 : 204));
    webhook.publish(eventLog());
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(calls.map((call) => call.at)).toEqual([0, 1, 3].map((m) => m * MINUTE));
    expect(webhook.stats()).toMatchObject({ delivered: 1, failedAttempts: 2, dropped: 0 });
  });

  it("treats 400 and 422 as failures that are retried (Parakey resends what you refuse)", async () => {
    const { webhook, calls } = hook((call) => (call === 1 ? 400 : call === 2 ? 422 : 200));
    webhook.publish(eventLog());
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(calls).toHaveLength(3);
    expect(webhook.stats().delivered).toBe(1);
  });

  it("fails an attempt the receiver does not answer within 15 s", async () => {
    const { webhook, calls } = hook((call) => (call === 1 ? "hang" : 200));
    webhook.publish(eventLog());
    await vi.advanceTimersByTimeAsync(14_999);
    expect(webhook.stats().failedAttempts).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(webhook.stats().failedAttempts).toBe(1);
    // The first retry comes a minute after the timed-out attempt failed.
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(calls.map((call) => call.at)).toEqual([0, 15_000 + MINUTE]);
    expect(webhook.stats()).toMatchObject({ delivered: 1, pending: 0 });
  });

  it("runs the whole schedule in 1.2 s with a time scale of 0.001", async () => {
    const { webhook, calls } = hook(() => 500, {}, 0.001);
    webhook.publish(eventLog());
    await vi.advanceTimersByTimeAsync(1200);
    expect(calls.map((call) => call.at)).toEqual([0, 60, 180, 420, 720, 1200]);
    expect(webhook.stats().dropped).toBe(1);
  });

  it("disables the webhook on 410 Gone: no retries, nothing new is sent", async () => {
    const { webhook, calls } = hook((call) => (call === 1 ? 500 : 410));
    webhook.publish(eventLog({ id: "el_1" }));
    webhook.publish(eventLog({ id: "el_2" }));
    // el_1 failed (retry in 1 min), el_2 got 410: el_1's retry is cancelled.
    await vi.advanceTimersByTimeAsync(0);
    expect(webhook.disabled).toBe(true);
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    webhook.publish(eventLog({ id: "el_3" }));
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(calls).toHaveLength(2);
    expect(webhook.stats()).toMatchObject({
      disabled: true,
      delivered: 0,
      failedAttempts: 1,
      cancelled: 3,
      pending: 0,
    });
  });

  it("with an allowed offset, skips event logs uploaded later than that after the unlock", async () => {
    const { webhook, calls } = hook(() => 200, { allowedOffsetMinutes: 10 });
    webhook.publish(eventLog({ id: "el_live", timestamp: "2026-11-23T07:55:00.000Z" }));
    webhook.publish(eventLog({ id: "el_edge", timestamp: "2026-11-23T07:50:00.000Z" }));
    webhook.publish(eventLog({ id: "el_backlog", timestamp: "2026-11-21T08:00:00.000Z" }));
    await webhook.idle();
    expect(calls.map((call) => JSON.parse(String(call.init.body)).id)).toEqual(["el_live", "el_edge"]);
    expect(webhook.stats().filtered).toEqual({ too_old: 1, other_device: 0, other_domain: 0 });
  });

  it("without an allowed offset, sends everything however late (Parakey's default)", async () => {
    const { webhook, calls } = hook(() => 200);
    webhook.publish(eventLog({ timestamp: "2026-11-01T08:00:00.000Z" }));
    await webhook.idle();
    expect(calls).toHaveLength(1);
  });

  it("with a device filter, sends only those locks' event logs", async () => {
    const { webhook, calls } = hook(() => 200, { deviceIds: ["dev_2"] });
    webhook.publish(eventLog({ id: "el_a", device: { id: "dev_1" } }));
    webhook.publish(eventLog({ id: "el_b", device: { id: "dev_2" } }));
    await webhook.idle();
    expect(calls.map((call) => JSON.parse(String(call.init.body)).id)).toEqual(["el_b"]);
    expect(webhook.stats().filtered.other_device).toBe(1);
  });

  it("forgets pending retries on close without counting them", async () => {
    const { webhook, calls } = hook(() => 500);
    webhook.publish(eventLog());
    await vi.advanceTimersByTimeAsync(0);
    webhook.close();
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(calls).toHaveLength(1);
    expect(webhook.stats()).toMatchObject({ failedAttempts: 1, dropped: 0, pending: 0 });
  });
});
