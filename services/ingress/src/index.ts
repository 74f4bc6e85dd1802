export { type AppDeps, createApp } from "./app.js";
export { type IngressConfig, IngressEnv, loadIngressConfig, type WebhookConfig } from "./config.js";
export { RecentEventIds } from "./dedupe/recent-event-ids.js";
export { type EventSink, normalizeBody, rejectedRecord } from "./event-sink.js";
export { createIngressMetrics, type IngressMetrics } from "./metrics.js";
