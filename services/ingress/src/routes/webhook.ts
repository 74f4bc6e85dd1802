import { createRoute, z } from "@hono/zod-openapi";
import {
  doorEventRecord,
  ParakeyEventLog,
  type RejectedMetadata,
  type Rejection,
  RejectionReason,
} from "@parakey-bridge/contracts";
import {
  type ApiApp,
  type Clock,
  documentRoutes,
  errorResponse,
  errorResponses,
  requestIdOf,
} from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Context, MiddlewareHandler } from "hono";
import type { Allowlist } from "../allowlist.js";
import type { AppEnv } from "../app-env.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { WebhookConfig } from "../config.js";
import type { RecentEventIds } from "../dedupe/recent-event-ids.js";
import {
  type EventSink,
  normalizeBody,
  REJECTED_PREFIX_BYTES,
  sendEventOrReject,
  sendRejected,
} from "../event-sink.js";
import type { IngressMetrics } from "../metrics.js";
import { type BodyLimits, readBody } from "./read-body.js";

export interface WebhookRouteDeps {
  sink: EventSink;
  metrics: IngressMetrics;
  clock: Clock;
  log: Logger;
  config: WebhookConfig;
  recent: RecentEventIds;
  authenticate: Authenticator;
  allowlist: Allowlist;
}

/** The 2xx bodies Parakey gets; every one of them means "stored, or deliberately not needed". */
const WebhookAnswer = z
  .discriminatedUnion("status", [
    z.object({ status: z.literal("accepted"), eventLogId: z.string() }),
    z.object({ status: z.literal("duplicate"), eventLogId: z.string() }),
    z.object({
      status: z.literal("rejected"),
      reason: RejectionReason.describe(
        "Why the payload is not an event; it is stored on the rejected topic.",
      ),
    }),
    z.object({ status: z.literal("ignored"), reason: z.string(), eventLogId: z.string() }),
  ])
  .openapi("WebhookAnswer");
export type WebhookAnswer = z.infer<typeof WebhookAnswer>;

/**
 * The OpenAPI definition of the webhook. The route reads the exact request bytes itself (a payload
 * that is not an event log is stored, not refused), so the body schema documents what Parakey
 * sends (`ParakeyEventLog`, the contract `normalizeBody` validates with) without a validator in front.
 */
export function webhookRoute(path: string) {
  return createRoute({
    method: "post",
    path,
    summary: "Parakey's webhook: one event log per request",
    description:
      "Answers 200 once Kafka acknowledged the event (or it was a duplicate, deliberately ignored, or stored as rejected: Parakey would only resend it); 503 when nothing was stored, so Parakey retries. Never 410.",
    security: [{ webhookBasic: [] }, { webhookSecret: [] }],
    request: {
      body: {
        required: true,
        description:
          "A Parakey event log (JSON). Any bytes are taken: a body that cannot become an event is stored on the rejected topic and answered `rejected`.",
        content: { "application/json": { schema: ParakeyEventLog } },
      },
    },
    responses: {
      200: {
        description: "Stored, a duplicate, ignored by the allowlist, or stored as rejected.",
        content: { "application/json": { schema: WebhookAnswer } },
      },
      ...errorResponses(
        "unauthenticated",
        "payload_too_large",
        "rate_limited",
        "kafka_unavailable",
        "shutting_down",
        "unavailable",
      ),
    },
  });
}

/**
 * Bodies up to this many times the limit are read through so their prefix, size and digest can be
 * stored (answered 200 `rejected`); larger ones get 413 and nothing is stored. At the default limit
 * (256 KiB) that is 4 MiB: far beyond any event log, and a bounded amount of work per request.
 */
const READ_THROUGH_FACTOR = 16;

/**
 * `POST <path>`: authenticate → read the body → normalize → produce → 200 once Kafka acknowledged.
 * Every payload gets a stored answer: one that cannot become an event every consumer accepts (not
 * JSON, no id, text PostgreSQL cannot store, a body over the limit, an event larger than its topic
 * takes, …) is stored on the rejected topic — exact bytes, or over the limit a bounded prefix with
 * size and SHA-256 — and answered 200 `rejected` (Parakey would only resend it). Anything not stored
 * is answered 503 so Parakey retries; a body over 16× the limit gets 413 without being read.
 * Other methods on the path answer 405 with `Allow: POST`.
 */
/**
 * Documents how Parakey authenticates (it can only send fixed headers): HTTP Basic, or a shared
 * secret in the configured header. Either suffices; both may be configured at once (rotation).
 */
export function documentWebhookSecurity(
  app: Pick<ApiApp, "openAPIRegistry">,
  secretHeader: string | undefined,
): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "webhookBasic", {
    type: "http",
    scheme: "basic",
    description: "`Authorization: Basic …` with a user and password of WEBHOOK_BASIC_AUTH.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "webhookSecret", {
    type: "apiKey",
    in: "header",
    name: secretHeader ?? "x-parakey-secret",
    description: "One of WEBHOOK_SECRETS, in the header WEBHOOK_SECRET_HEADER names.",
  });
}

export function registerWebhookRoute(app: ApiApp<AppEnv>, deps: WebhookRouteDeps): void {
  const { config } = deps;
  documentRoutes(app, [webhookRoute(config.path)]);
  const limits: BodyLimits = {
    maxBytes: config.bodyLimitBytes,
    readThroughBytes: config.bodyLimitBytes * READ_THROUGH_FACTOR,
    prefixBytes: Math.min(REJECTED_PREFIX_BYTES, config.bodyLimitBytes),
  };
  app.post(config.path, requireCredentials(deps), (c) => receive(c, deps, limits));
  app.all(config.path, (c) => {
    c.set("outcome", "method_not_allowed");
    c.header("Allow", "POST");
    return errorResponse(c, "method_not_allowed", "only POST is accepted here");
  });
}

function requireCredentials(deps: WebhookRouteDeps): MiddlewareHandler<AppEnv> {
  const challenge =
    deps.config.auth.basic.length > 0 ? 'Basic realm="parakey-bridge", charset="UTF-8"' : null;
  return async (c, next) => {
    const result = deps.authenticate(c.req.raw.headers);
    if (result.ok) return next();
    c.set("outcome", "unauthorized");
    deps.log.warn({ requestId: requestIdOf(c), reason: result.reason }, "webhook request not authenticated");
    if (challenge) c.header("WWW-Authenticate", challenge);
    return errorResponse(c, "unauthenticated", "missing or invalid credentials");
  };
}

async function receive(c: Context<AppEnv>, deps: WebhookRouteDeps, limits: BodyLimits): Promise<Response> {
  const { config, metrics } = deps;
  const receivedAt = deps.clock.now();
  const read = await readBody(c, limits);
  if (!read.ok && read.reason === "unbounded") {
    c.set("outcome", "too_large");
    return errorResponse(c, "payload_too_large", `body exceeds ${limits.readThroughBytes} bytes`);
  }
  if (!read.ok) {
    const rejection: Rejection = {
      reason: "too_large",
      detail: `body of ${read.bytes} bytes exceeds the limit of ${config.bodyLimitBytes}; its first ${read.prefix.byteLength} bytes are kept`,
    };
    return storeRejected(c, deps, read.prefix, rejection, receivedAt, {
      bytes: read.bytes,
      sha256: read.sha256,
    });
  }
  const body = read.body;
  const normalized = normalizeBody(body, { via: "webhook", receivedAt });
  if (!normalized.ok) return storeRejected(c, deps, body, normalized.rejection, receivedAt);

  const event = normalized.event;
  const filtered = deps.allowlist(event);
  if (filtered) {
    metrics.filtered.inc({ reason: filtered });
    c.set("outcome", "ignored");
    return answer(c, { status: "ignored", reason: filtered, eventLogId: event.eventLogId });
  }

  let outcome: "stored" | "duplicate";
  let tooLarge: Rejection | undefined;
  try {
    const original = {
      body,
      meta: rejectedMetadata(c, receivedAt),
      topic: config.topics.rejected,
      eventLogId: event.eventLogId,
      deviceId: event.deviceId,
    };
    outcome = await deps.recent.storeOnce(event.eventLogId, async () => {
      const sent = await sendEventOrReject(
        deps.sink,
        doorEventRecord(event, config.topics.eventLogs, normalized.value),
        original,
      );
      if (sent.stored === "rejected") tooLarge = sent.rejection;
    });
  } catch (error) {
    return unavailable(c, deps, error, { eventLogId: event.eventLogId });
  }
  if (tooLarge) return answerRejected(c, deps, tooLarge, body.byteLength);
  if (outcome === "duplicate") {
    metrics.duplicates.inc({ via: "webhook" });
    c.set("outcome", "duplicate");
    return answer(c, { status: "duplicate", eventLogId: event.eventLogId });
  }
  metrics.produced.inc({ via: "webhook" });
  metrics.eventDelay.observe(Math.max(0, event.delayMs) / 1000);
  c.set("outcome", "accepted");
  return answer(c, { status: "accepted", eventLogId: event.eventLogId });
}

function rejectedMetadata(
  c: Context<AppEnv>,
  receivedAt: Date,
  truncatedFrom?: RejectedMetadata["truncatedFrom"],
): RejectedMetadata {
  const meta: RejectedMetadata = { via: "webhook", receivedAt };
  const requestId = requestIdOf(c);
  if (requestId) meta.requestId = requestId;
  const userAgent = c.req.header("user-agent");
  if (userAgent) meta.userAgent = userAgent;
  const contentType = c.req.header("content-type");
  if (contentType) meta.contentType = contentType;
  const remoteAddress = remoteAddressOf(c);
  if (remoteAddress) meta.remoteAddress = remoteAddress;
  if (truncatedFrom) meta.truncatedFrom = truncatedFrom;
  return meta;
}

async function storeRejected(
  c: Context<AppEnv>,
  deps: WebhookRouteDeps,
  body: Uint8Array,
  rejection: Rejection,
  receivedAt: Date,
  truncatedFrom?: RejectedMetadata["truncatedFrom"],
): Promise<Response> {
  const meta = rejectedMetadata(c, receivedAt, truncatedFrom);
  try {
    await sendRejected(deps.sink, body, rejection, meta, deps.config.topics.rejected);
  } catch (error) {
    return unavailable(c, deps, error, { rejected: rejection.reason });
  }
  return answerRejected(c, deps, rejection, truncatedFrom?.bytes ?? body.byteLength);
}

function answerRejected(
  c: Context<AppEnv>,
  deps: WebhookRouteDeps,
  rejection: Rejection,
  bytes: number,
): Response {
  deps.metrics.rejected.inc({ reason: rejection.reason });
  // The detail and the payload stay out of the log (personal data); both are on the rejected topic.
  deps.log.warn(
    { requestId: requestIdOf(c), reason: rejection.reason, eventLogId: rejection.eventLogId, bytes },
    "payload rejected and stored on the rejected topic",
  );
  c.set("outcome", "rejected");
  return answer(c, { status: "rejected", reason: rejection.reason });
}

function unavailable(
  c: Context<AppEnv>,
  deps: WebhookRouteDeps,
  error: unknown,
  context: Record<string, string>,
): Response {
  deps.log.warn({ err: error, requestId: requestIdOf(c), ...context }, "event not stored; answered 503");
  c.set("outcome", "unavailable");
  c.header("Retry-After", String(deps.config.retryAfterSeconds));
  return errorResponse(c, "kafka_unavailable", "the event could not be stored, retry later");
}

function answer(c: Context<AppEnv>, body: WebhookAnswer): Response {
  return c.json(body, 200);
}

/** The peer address when served by @hono/node-server (absent in in-process tests). */
function remoteAddressOf(c: Context<AppEnv>): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}
