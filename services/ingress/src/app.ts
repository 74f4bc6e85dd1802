// The subpath, not the package's index: the ingress needs only the rate limit, and the index loads
// the API authentication (jose and the rest) the ingress never runs.
import { rateLimitPerPrincipal } from "@parakey-bridge/auth/rate-limit";
import {
  type ApiApp,
  type ApiDocumentConfig,
  type Clock,
  createApiApp,
  createErrorHandler,
  documentRoutes,
  errorResponse,
  httpServerTracing,
  openApiDocumentOf,
  serveOpenApi,
} from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import { createAllowlist } from "./allowlist.js";
import type { AppEnv } from "./app-env.js";
import { createAuthenticator, oncePerRequest } from "./auth/authenticator.js";
import type { WebhookConfig } from "./config.js";
import { RecentEventIds } from "./dedupe/recent-event-ids.js";
import type { EventSink } from "./event-sink.js";

import { IntakeGate } from "./intake-gate.js";
import type { IngressMetrics, WebhookOutcome } from "./metrics.js";
import { neverGone } from "./never-gone.js";
import { documentWebhookSecurity, registerWebhookRoute, webhookRoute } from "./routes/webhook.js";

const API_DOCUMENT: ApiDocumentConfig = {
  info: {
    title: "parakey-bridge ingress: Parakey webhook",
    version: "1.0.0",
    description:
      "Receives Parakey event logs and answers once Kafka stored them. Errors: docs/errors.md. The webhook path and the secret header are configurable (WEBHOOK_PATH, WEBHOOK_SECRET_HEADER); this document shows the defaults.",
  },
};

export interface AppDeps {
  /** Where events go: the BatchingProducer in production, an in-memory sink in unit tests. */
  sink: EventSink;
  metrics: IngressMetrics;
  clock: Clock;
  log: Logger;
  config: WebhookConfig;
  /** Recently stored event log ids; shared with the poller. Defaults to a fresh one (100k ids, 1 h). */
  recent?: RecentEventIds;
  /** Closed on shutdown. Defaults to an always-open gate. */
  intake?: IntakeGate;
}

/**
 * The webhook HTTP app. Middleware order matters: `neverGone` sees every answer last (no 410 ever
 * leaves), then request id, the SERVER span, metrics + access log, the shutdown gate, the routes.
 * Unknown paths answer 404, other methods on the webhook path 405, and every error the one JSON shape
 * `{ "error": { "code", "message", "requestId" } }`. `GET /openapi.json` is the webhook's OpenAPI
 * document (for this configuration's path and secret header).
 *
 * @example
 * const app = createApp({ sink: producer, metrics, clock: systemClock, log, config: config.webhook });
 * const res = await app.request("/webhooks/parakey", { method: "POST", body, headers });
 */
export function createApp(deps: AppDeps): ApiApp<AppEnv> {
  const { config, log } = deps;
  const recent = deps.recent ?? new RecentEventIds({ max: 100_000, ttlMs: 3_600_000, clock: deps.clock });
  const intake = deps.intake ?? new IntakeGate();
  // Trailing slashes are tolerated: an operator may paste the URL either way into Parakey's settings.
  const app = createApiApp<AppEnv>({ strict: false });

  app.use("*", neverGone(log));
  app.use("*", requestId());
  app.use("*", httpServerTracing());
  // The document is not a delivery: served before the webhook's metrics and shutdown gate.
  documentWebhookSecurity(app, config.auth.secretHeader);
  serveOpenApi(app, API_DOCUMENT);
  app.use("*", requestMetrics(deps.metrics, log));
  app.use("*", intake.middleware(config.retryAfterSeconds));
  // One budget per sender, so one noisy credential cannot starve the others; Parakey retries a 429.
  const sender = oncePerRequest(createAuthenticator(config.auth));
  app.use(
    config.path,
    rateLimitPerPrincipal({
      limitPerMinute: config.rateLimitPerMinute ?? 0,
      keyOf: (c) => {
        const result = sender(c.req.raw.headers);
        return result.ok ? result.principal : "unauthenticated";
      },
    }),
  );

  registerWebhookRoute(app, {
    sink: deps.sink,
    metrics: deps.metrics,
    clock: deps.clock,
    log,
    config,
    recent,
    authenticate: sender,
    allowlist: createAllowlist(config.allowlist),
  });

  app.notFound((c) => {
    c.set("outcome", "not_found");
    return errorResponse(c, "not_found", "no such route");
  });
  app.onError(createErrorHandler(log));
  return app;
}

/**
 * The webhook's OpenAPI document for the default path and secret header: what `pnpm generate` writes
 * to docs/openapi/ingress.json (a unit test fails when that file is stale).
 */
export function openApiDocument(): object {
  const app = createApiApp<AppEnv>();
  documentWebhookSecurity(app, undefined);
  documentRoutes(app, [webhookRoute("/webhooks/parakey")]);
  return openApiDocumentOf(app, API_DOCUMENT);
}

/**
 * Counts every request by outcome and times it; writes one access-log line (debug for 2xx, so the
 * hot path stays quiet; info for 4xx; warn for 5xx). No payload, no credentials, no personal data.
 */
function requestMetrics(metrics: IngressMetrics, log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const status = c.res.status;
      const outcome = c.get("outcome") ?? outcomeOfStatus(status);
      metrics.requests.inc({ outcome });
      metrics.requestDuration.observe({ outcome }, seconds);
      const line = {
        requestId: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        status,
        outcome,
        ms: Math.round(seconds * 10_000) / 10,
      };
      if (status >= 500) log.warn(line, "request answered");
      else if (status >= 400) log.info(line, "request answered");
      else log.debug(line, "request answered");
    }
  };
}

function outcomeOfStatus(status: number): WebhookOutcome {
  if (status === 404) return "not_found";
  if (status === 405) return "method_not_allowed";
  if (status === 413) return "too_large";
  if (status === 401) return "unauthorized";
  if (status === 429) return "rate_limited";
  if (status === 503) return "unavailable";
  return status < 400 ? "accepted" : "error";
}
