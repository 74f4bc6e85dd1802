import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { pino } from "pino";
import { Registry } from "prom-client";
import { createApp } from "../app.js";
import type { WebhookConfig } from "../config.js";
import { RecentEventIds } from "../dedupe/recent-event-ids.js";
import { IntakeGate } from "../intake-gate.js";
import { createIngressMetrics } from "../metrics.js";
import { MemorySink } from "./memory-sink.js";

export const SECRET = "s3cret-value-0123456789";
export const OLD_SECRET = "previous-secret-abcdefgh";
export const BASIC_USER = "parakey";
export const BASIC_PASSWORD = "basic-password-0123456789";

/** Headers that authenticate a test request with the shared secret. */
export const authHeaders = { "x-parakey-secret": SECRET, "content-type": "application/json" };

export function testWebhookConfig(overrides: Partial<WebhookConfig> = {}): WebhookConfig {
  return {
    path: "/webhooks/parakey",
    bodyLimitBytes: 4096,
    retryAfterSeconds: 30,
    auth: {
      basic: [{ user: BASIC_USER, password: BASIC_PASSWORD }],
      secretHeader: "x-parakey-secret",
      secrets: [SECRET, OLD_SECRET],
      insecureNoAuth: false,
    },
    topics: { eventLogs: "events", rejected: "rejected" },
    allowlist: { domainIds: [], deviceIds: [] },
    ...overrides,
  };
}

/** The webhook app over an in-memory sink, with everything a unit test wants to look at. */
export function testApp(overrides: Partial<WebhookConfig> = {}) {
  const sink = new MemorySink();
  const registry = new Registry();
  const metrics = createIngressMetrics(registry);
  const clock = new ManualClock();
  const intake = new IntakeGate();
  const recent = new RecentEventIds({ max: 1000, ttlMs: 60_000, clock });
  const config = testWebhookConfig(overrides);
  const app = createApp({ sink, metrics, clock, log: pino({ level: "silent" }), config, recent, intake });
  const post = (body: string | Uint8Array, headers: Record<string, string> = authHeaders) =>
    app.request(config.path, { method: "POST", body, headers });
  return { app, sink, registry, metrics, clock, intake, recent, config, post };
}
