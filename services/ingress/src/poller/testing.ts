import { type DoorEvent, decodeDoorEvent } from "@parakey-bridge/contracts";
import { createKafka, type Kafka } from "@parakey-bridge/kafka";
import { type ConsumedRecord, readTopic } from "@parakey-bridge/kafka/testing";
import type { PagingBehaviour, Simulator } from "@parakey-bridge/parakey-simulator";
import { type Clock, systemClock } from "@parakey-bridge/service-kit";
import { uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { type IngressConfig, loadIngressConfig } from "../config.js";
import { createIngressService } from "../service.js";
import { ingressTestEnv, recordCount } from "../testing/service-fixture.js";

const silent = pino({ level: "silent" });

export const PARAKEY_TOKEN = "sim-token-0123456789";

/**
 * A whole ingress replica (the composition main.ts runs) with the poller on, against a real broker
 * and a simulated Parakey, on its own topics and integration name. Timings come from `tune`, because
 * production config refuses intervals below 60 s.
 */
export async function startPollingIngress(options: {
  brokers: string[];
  parakeyUrl: string;
  env?: Record<string, string>;
  tune?: (poller: IngressConfig["poller"]) => void;
  clock?: Clock;
}) {
  const prefix = uniqueName("poll");
  const integration = uniqueName("it").toLowerCase();
  const config = loadIngressConfig(
    ingressTestEnv(prefix, {
      KAFKA_BROKERS: options.brokers.join(","),
      POLLER_ENABLED: "true",
      PARAKEY_API_URL: options.parakeyUrl,
      PARAKEY_API_TOKENS: `${integration}=${PARAKEY_TOKEN}`,
      POLL_SESSION_TIMEOUT_MS: "6000",
      ...options.env,
    }),
  );
  config.poller.jitterMs = 0;
  options.tune?.(config.poller);
  const registry = new Registry();
  const service = createIngressService(config, {
    log: silent,
    registry,
    clock: options.clock ?? systemClock,
  });
  await service.lifecycle.start();
  const kafka = createKafka(config.kafka, silent);
  const [poller] = service.pollers;
  if (!poller) throw new Error("no poller configured");
  return {
    service,
    config,
    registry,
    kafka,
    integration,
    poller,
    topics: { ...config.webhook.topics, state: config.poller.stateTopic },
    webhookUrl: `http://127.0.0.1:${service.webhook.port}${config.webhook.path}`,
    stop: () => service.lifecycle.stop("test done"),
  };
}

/** Every record on a topic right now. */
export async function allRecords(kafka: Kafka, topic: string): Promise<ConsumedRecord[]> {
  const count = await recordCount(kafka, topic);
  return count === 0 ? [] : readTopic(kafka, topic, { count, timeoutMs: 30_000 });
}

/** The DoorEvents on the event topic, by event log id (the last one when produced twice). */
export async function doorEventsOn(kafka: Kafka, topic: string): Promise<Map<string, DoorEvent>> {
  const events = new Map<string, DoorEvent>();
  for (const record of await allRecords(kafka, topic)) {
    const decoded = decodeDoorEvent(record.value);
    if (decoded.ok) events.set(decoded.value.eventLogId, decoded.value);
  }
  return events;
}

/**
 * A week-old history on the simulated Parakey, older than any poll window: an account with a past.
 * With it, the newest page of all history shows that the server returns full pages, so a short
 * page of a window is provably its end even where Parakey honours only the documented parameters
 * (see `readEventLogWindow`).
 */
export function seedHistory(sim: Simulator, count = 120): void {
  const start = Date.now() - 7 * 24 * 3_600_000;
  sim.api.addEvents(
    Array.from({ length: count }, (_, i) => {
      const at = new Date(start + i * 1_000).toISOString();
      return { id: `el_history_${i}`, timestamp: at, createdAt: at, device: { id: "lock-history" } };
    }),
  );
}

/**
 * The paging behaviours the broker-backed poller tests run under (the unit tests of the poll cycle
 * and the backfill cover every combination, caps and unstable ties included): the documented
 * behaviour alone with windows that fit a page, and two servers that page past it with small pages.
 * The simulator stamps a burst of generated unlocks with one `createdAt`: under a cap below the
 * burst no server could page through it (the read stops loudly, as it should), and unstable ties
 * make the `limit=1` ETag change between identical requests, so neither is in this set.
 */
export const BROKER_TEST_PAGING: { paging: Partial<PagingBehaviour>; pageSize: number }[] = [
  { paging: {}, pageSize: 100 },
  { paging: { ascending: "honoured", startDate: "exclusive" }, pageSize: 10 },
  { paging: { offset: "honoured" }, pageSize: 10 },
];

/** A real clock shifted by an offset a test can change while it runs (Parakey's clock, skewed). */
export class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(this.nowMs());
  }
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
}
