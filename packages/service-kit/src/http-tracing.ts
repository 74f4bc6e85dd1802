import { context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { extractTraceContext, tracer } from "@parakey-bridge/telemetry";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";

/**
 * A SERVER span per request with the HTTP semantic-convention attributes, continuing the caller's
 * W3C trace context (`traceparent`) when there is one. Handlers run inside the span's context, so
 * the database and Kafka spans of a request belong to its trace. The project does not use HTTP
 * auto-instrumentation (see @parakey-bridge/telemetry).
 *
 * @example
 * app.use("*", httpServerTracing());
 */
export function httpServerTracing(): MiddlewareHandler {
  return async (c, next) => {
    const carrier: Record<string, string> = {};
    const traceparent = c.req.header("traceparent");
    const tracestate = c.req.header("tracestate");
    if (traceparent) carrier.traceparent = traceparent;
    if (tracestate) carrier.tracestate = tracestate;
    const parent = extractTraceContext(carrier);
    const method = c.req.method;
    // No attributes at the start: the SDK copies and checks them before it samples, and the
    // services' samplers (parent-based, trace-id ratio) never read them.
    const span = tracer().startSpan(method, { kind: SpanKind.SERVER }, parent);
    // Most requests are not sampled (10 % by default): what only a recorded span keeps — the URL
    // parsed again, the user agent, the matched route — is computed for recorded spans alone.
    const recording = span.isRecording();
    if (recording) {
      const url = new URL(c.req.url);
      span.setAttributes({
        "http.request.method": method,
        "url.path": url.pathname,
        "url.scheme": url.protocol.replace(/:$/, ""),
        ...(c.req.header("user-agent") ? { "user_agent.original": c.req.header("user-agent") } : {}),
      });
    }
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      if (recording) endRecorded(c, span, method);
      else span.end();
    }
  };
}

function endRecorded(c: Parameters<MiddlewareHandler>[0], span: Span, method: string): void {
  const route = routeOf(c);
  if (route) {
    span.setAttribute("http.route", route);
    span.updateName(`${method} ${route}`);
  }
  const status = c.res.status;
  span.setAttribute("http.response.status_code", status);
  // Semconv: 4xx is the client's problem and leaves a SERVER span unset; 5xx is an error.
  if (status >= 500) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute("error.type", String(status));
  }
  if (c.error) span.recordException(c.error);
  span.end();
}

/** The route template that answered (not the raw path: bounded cardinality), if a route matched. */
function routeOf(c: Parameters<MiddlewareHandler>[0]): string | undefined {
  const routes = matchedRoutes(c);
  const answered = routes[c.req.routeIndex] ?? routes.at(-1);
  if (!answered || answered.path === "/*" || answered.path === "*") return undefined;
  return answered.path;
}
