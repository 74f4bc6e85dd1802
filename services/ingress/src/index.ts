export { type AppDeps, createApp } from "./app.js";
export { type IngressConfig, IngressEnv, loadIngressConfig, type WebhookConfig } from "./config.js";
export { RecentEventIds } from "./dedupe/recent-event-ids.js";
export type { EventSink } from "./event-sink.js";
export { createIngressMetrics, type IngressMetrics } from "./metrics.js";
export { normalizeBody, rejectedRecord } from "./records.js";
