import type { Kafka } from "@parakey-bridge/kafka";
import { createParakeyClient } from "@parakey-bridge/parakey-client";
import type { Clock } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Registry } from "prom-client";
import { createAllowlist } from "../allowlist.js";
import type { IngressConfig } from "../config.js";
import type { RecentEventIds } from "../dedupe/recent-event-ids.js";
import type { EventSink } from "../event-sink.js";
import type { IngressMetrics } from "../metrics.js";
import { KafkaCheckpointStore } from "./checkpoint-store.js";
import { GapDetector } from "./gap-detector.js";
import { IntegrationPoller } from "./integration-poller.js";
import { createPollerMetrics } from "./metrics.js";
import { EventLogPublisher } from "./publisher.js";

export interface PollerDeps {
  kafka: Kafka;
  /** The replica's producer, shared with the webhook. */
  sink: EventSink;
  /** The webhook's recent-ids memory: webhook and poller dedupe each other through it. */
  recent: RecentEventIds;
  metrics: IngressMetrics;
  registry: Registry;
  clock: Clock;
  log: Logger;
}

/** The consumer group whose partition-0 owner polls an integration. */
export function pollerGroup(integration: string, prefix = "parakey-bridge-poller-"): string {
  return `${prefix}${integration}`;
}

/**
 * One poller per configured Parakey integration, wired to the replica's producer, recent-ids memory
 * and metrics. Each joins its own election, so across replicas exactly one polls each integration.
 *
 * @example
 * const pollers = config.poller.enabled ? createPollers(config, { kafka, sink: producer, recent, metrics, registry, clock, log }) : [];
 * for (const poller of pollers) lifecycle.add(poller);
 */
export function createPollers(config: IngressConfig, deps: PollerDeps): IntegrationPoller[] {
  const poller = config.poller;
  const pollerMetrics = createPollerMetrics(deps.registry, deps.clock);
  const allowlist = createAllowlist(config.webhook.allowlist);
  const store = new KafkaCheckpointStore({
    kafka: deps.kafka,
    sink: deps.sink,
    topic: poller.stateTopic,
    log: deps.log,
  });
  return poller.integrations.map(({ name, token }) => {
    const log = deps.log.child({ component: "poller", integration: name });
    const client = createParakeyClient({
      token,
      baseUrl: poller.apiUrl,
      timeoutMs: poller.requestTimeoutMs,
      clock: deps.clock,
      onRetry: (retry) => log.info({ retry }, "Parakey request retried"),
    });
    const gaps = new GapDetector({ windowMs: poller.gapWindowMs, clock: deps.clock });
    const publisher = new EventLogPublisher({
      sink: deps.sink,
      metrics: deps.metrics,
      recent: deps.recent,
      topics: config.webhook.topics,
      allowlist,
      integration: name,
      clock: deps.clock,
      gaps,
    });
    return new IntegrationPoller({
      integration: name,
      client,
      publisher,
      store,
      gaps,
      recent: deps.recent,
      metrics: pollerMetrics,
      clock: deps.clock,
      log,
      intervalMs: poller.intervalMs,
      jitterMs: poller.jitterMs,
      overlapMs: poller.overlapMs,
      startDate: poller.startDate,
      pageSize: poller.pageSize,
      election: {
        kafka: deps.kafka,
        group: pollerGroup(name, poller.groupPrefix),
        topic: poller.stateTopic,
        sessionTimeoutMs: poller.sessionTimeoutMs,
      },
    });
  });
}
