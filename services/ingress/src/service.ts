import {
  BatchingProducer,
  bridgeTopicSpecs,
  createKafka,
  ensureTopicsOnStart,
  type Kafka,
  KafkaReadinessProbe,
  type TopicDefaults,
  type TopicSpec,
} from "@parakey-bridge/kafka";
import {
  type Clock,
  type Component,
  createAdminApp,
  type HealthCheck,
  HttpServer,
  Lifecycle,
  readiness,
} from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Hono } from "hono";
import type { Registry } from "prom-client";
import { createApp } from "./app.js";
import { type IngressConfig, producerOptionsOf } from "./config.js";
import { RecentEventIds } from "./dedupe/recent-event-ids.js";
import { IntakeGate } from "./intake-gate.js";
import { createIngressMetrics, type IngressMetrics } from "./metrics.js";
import { createPollers } from "./poller/create-pollers.js";
import type { IntegrationPoller } from "./poller/integration-poller.js";

export interface IngressServiceDeps {
  log: Logger;
  registry: Registry;
  clock: Clock;
}

/** The running parts of one ingress replica, for main.ts (and the poller) to build on. */
export interface IngressService {
  lifecycle: Lifecycle;
  kafka: Kafka;
  /** The one producer of the replica (acks=all, batching); intakes share it. */
  producer: BatchingProducer;
  /** Recently stored event log ids; intakes share it so webhook and poller dedupe each other. */
  recent: RecentEventIds;
  metrics: IngressMetrics;
  webhook: HttpServer;
  admin: HttpServer;
  /** One per configured Parakey integration when POLLER_ENABLED; each polls only while elected. */
  pollers: IntegrationPoller[];
}

/**
 * Builds every component of the ingress and registers them with one lifecycle, in start order:
 * admin server (up first, down last: probes and metrics answer throughout), topics, Kafka readiness
 * probe, producer, webhook server, pollers. `/readyz` turns ready only once the webhook listens (and
 * Kafka answers); the pollers report on `/readyz/pollers` and start in the background (a poller that
 * cannot join its election yet keeps retrying without failing the start). Shutdown runs in reverse:
 * the pollers stop, the webhook closes its gate (new requests get 503) and its listener, in-flight
 * requests finish, then the producer flushes. Nothing starts until `lifecycle.start()`.
 *
 * @example
 * const service = createIngressService(config, { log, registry, clock: systemClock });
 * await service.lifecycle.start();
 * service.lifecycle.stopOnSignals();
 */
export function createIngressService(config: IngressConfig, deps: IngressServiceDeps): IngressService {
  const { log, registry, clock } = deps;
  const kafka = createKafka(config.kafka, log);
  const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: config.shutdownGraceMs });
  const metrics = createIngressMetrics(registry);
  const producer = new BatchingProducer(kafka, {
    log,
    registry,
    ...producerOptionsOf(config.producer),
    // Their max.message.bytes is read at start: each request stays under it (see BatchingProducer).
    topics: [config.webhook.topics.eventLogs, config.webhook.topics.rejected],
  });
  const probe = new KafkaReadinessProbe(kafka, log);
  const recent = new RecentEventIds({ max: config.dedupe.max, ttlMs: config.dedupe.ttlMs, clock });
  const intake = new IntakeGate();
  const app = createApp({ sink: producer, metrics, clock, log, config: config.webhook, recent, intake });
  const pollers = config.poller.enabled
    ? createPollers(config, { kafka, sink: producer, recent, metrics, registry, clock, log })
    : [];

  // In-flight requests need at most the produce budget once their body is read; the rest of the grace
  // period is left for the producer flush.
  const drainTimeoutMs = Math.max(
    500,
    Math.min(config.producer.timeoutMs + 2_000, config.shutdownGraceMs - config.producer.timeoutMs - 1_000),
  );
  const webhook = new HttpServer({
    name: "webhook-http",
    app: app as unknown as Hono,
    port: config.port,
    host: config.host,
    drainTimeoutMs,
  });
  // Ready means "this pod accepts webhooks": Kubernetes sends Parakey's deliveries to a ready pod,
  // so readiness waits for the webhook listener, not only for Kafka.
  let webhookListening = false;
  const webhookCheck: HealthCheck = { name: "webhook", ready: () => webhookListening };
  const adminApp = createAdminApp({
    registry,
    checks: [probe.check, webhookCheck],
    isShuttingDown: () => lifecycle.isShuttingDown,
    log,
  });
  // The poller is a safety net behind the webhook: its state is reported on its own, and never
  // takes the webhook's readiness (or liveness) with it.
  adminApp.get("/readyz/pollers", async (c) => {
    const report = await readiness(
      pollers.map((poller) => poller.check),
      lifecycle.isShuttingDown,
    );
    return c.json(report, report.ok ? 200 : 503);
  });
  const admin = new HttpServer({
    name: "admin-http",
    app: adminApp,
    port: config.adminPort,
    host: config.host,
    drainTimeoutMs: 1_000,
  });

  const webhookIntake: Component = {
    name: "webhook-intake",
    start: async () => {
      await webhook.start();
      webhookListening = true;
    },
    stop: async () => {
      webhookListening = false;
      intake.close();
      await webhook.stop();
    },
  };

  lifecycle.add(admin);
  if (config.ensureTopics) {
    lifecycle.add(ensureTopicsOnStart(kafka, ingressTopicSpecs(config, config.ensureTopics), log));
  }
  lifecycle
    .add(probe)
    .add(producer)
    .add(webhookIntake, { stopTimeoutMs: drainTimeoutMs + 1_000 });
  for (const poller of pollers) lifecycle.add(poller);
  return { lifecycle, kafka, producer, recent, metrics, webhook, admin, pollers };
}

/** The topics the webhook (and the poller) write, with the bridge's settings, under their configured names. */
function ingressTopicSpecs(config: IngressConfig, defaults: TopicDefaults): TopicSpec[] {
  return bridgeTopicSpecs(defaults, {
    eventLogs: config.webhook.topics.eventLogs,
    rejected: config.webhook.topics.rejected,
    ...(config.poller.enabled ? { pollerState: config.poller.stateTopic } : {}),
  });
}
