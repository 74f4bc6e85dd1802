import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { createKafka } from "@parakey-bridge/kafka";
import { type Simulator, startSimulator } from "@parakey-bridge/parakey-simulator";
import { systemClock } from "@parakey-bridge/service-kit";
import { uniqueName, waitUntil } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { loadIngressConfig } from "./config.js";
import { doorEventsOn, PARAKEY_TOKEN } from "./poller/testing.js";
import { createIngressService, type IngressService } from "./service.js";
import { authHeaders } from "./testing/fixtures.js";
import { ingressTestEnv } from "./testing/service-fixture.js";

// Readiness means "this pod accepts webhooks" (Kubernetes routes Parakey's deliveries by it), and
// the poller, the safety net behind the webhook, never takes the webhook down with it.

const silent = pino({ level: "silent" });
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function ingressConfig(env: Record<string, string> = {}) {
  return loadIngressConfig(ingressTestEnv(uniqueName("ready"), env));
}

function listening(service: IngressService, server: "webhook" | "admin"): boolean {
  try {
    return service[server].port > 0;
  } catch {
    return false;
  }
}

describe("ingress readiness", () => {
  it("answers /readyz 200 only once the webhook server listens", async () => {
    const service = createIngressService(ingressConfig(), {
      log: silent,
      registry: new Registry(),
      clock: systemClock,
    });
    const starting = service.lifecycle.start();
    cleanups.push(() => service.lifecycle.stop("test done"));
    let started = false;
    void starting.then(() => {
      started = true;
    });
    // Ask /readyz as fast as it answers while the service starts, and note where the webhook stood
    // each time it said ready.
    const readyWhileWebhookDown: number[] = [];
    let readyAnswers = 0;
    for (let i = 0; i < 100_000 && !(started && readyAnswers > 0); i++) {
      if (!listening(service, "admin")) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const webhookBefore = listening(service, "webhook");
      const res = await fetch(`http://127.0.0.1:${service.admin.port}/readyz`);
      if (res.status === 200) {
        readyAnswers += 1;
        if (!webhookBefore && !listening(service, "webhook")) readyWhileWebhookDown.push(i);
      }
    }
    await starting;
    expect(readyWhileWebhookDown).toEqual([]);
    expect(readyAnswers).toBeGreaterThan(0);
    const body = await (await fetch(`http://127.0.0.1:${service.admin.port}/readyz`)).json();
    expect(body).toMatchObject({ ok: true, checks: { webhook: true, kafka: true } });
  });
});

describe("a poller that cannot start", () => {
  let sim: Simulator;

  it("leaves the webhook serving and ready, reports itself on /readyz/pollers, and joins once the state topic exists", async () => {
    sim = await startSimulator({ token: PARAKEY_TOKEN, port: 0, seed: 5, offlineFraction: 0 });
    cleanups.push(() => sim.close());
    const integration = uniqueName("nostate").toLowerCase();
    // No topic creation at start: the poller's state topic is missing, as after a botched deploy.
    const config = ingressConfig({
      ENSURE_TOPICS: "false",
      POLLER_ENABLED: "true",
      PARAKEY_API_URL: sim.url,
      PARAKEY_API_TOKENS: `${integration}=${PARAKEY_TOKEN}`,
      POLL_SESSION_TIMEOUT_MS: "6000",
    });
    config.poller.intervalMs = 300;
    config.poller.jitterMs = 0;
    const kafka = createKafka(config.kafka, silent);
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const { eventLogs, rejected } = config.webhook.topics;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [eventLogs, rejected].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
    });
    cleanups.push(() =>
      admin.deleteTopics({ topics: [eventLogs, rejected, config.poller.stateTopic] }).catch(() => undefined),
    );

    const service = createIngressService(config, {
      log: silent,
      registry: new Registry(),
      clock: systemClock,
    });
    cleanups.push(() => service.lifecycle.stop("test done"));
    await service.lifecycle.start();
    const adminUrl = `http://127.0.0.1:${service.admin.port}`;

    const delivered = await fetch(`http://127.0.0.1:${service.webhook.port}${config.webhook.path}`, {
      method: "POST",
      headers: authHeaders,
      body: JSON.stringify(eventLogFixture({ id: "el_webhook", deviceId: "lock-1" })),
    });
    expect(delivered.status).toBeLessThan(300);
    expect((await fetch(`${adminUrl}/readyz`)).status).toBe(200);
    const pollers = await fetch(`${adminUrl}/readyz/pollers`);
    expect(pollers.status).toBe(503);
    expect(await pollers.json()).toMatchObject({ checks: { [`poller-${integration}`]: false } });
    expect((await fetch(`${adminUrl}/healthz`)).status).toBe(200);

    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: config.poller.stateTopic,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: "cleanup.policy", value: "compact" }],
        },
      ],
    });
    await waitUntil(
      "the poller to join its election",
      async () => (await fetch(`${adminUrl}/readyz/pollers`)).status === 200,
    );
    const [poller] = service.pollers;
    await waitUntil("the poller to lead", () => poller?.isLeader);
    // And it polls: an event only Parakey's API has reaches the topic.
    const [polled] = sim.api.addEvents([eventLogFixture({ id: "el_polled_only", deviceId: "lock-2" })]);
    await waitUntil("the polled event on the topic", async () =>
      (await doorEventsOn(kafka, eventLogs)).has(String(polled?.id)),
    );
  });
});
