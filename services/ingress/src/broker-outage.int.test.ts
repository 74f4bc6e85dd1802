import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { readTopic } from "@parakey-bridge/kafka/testing";
import { LocalKafka } from "@parakey-bridge/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recordCount, startTestIngress } from "./testing/service-fixture.js";

type Ingress = Awaited<ReturnType<typeof startTestIngress>>;

// A private broker this test may stop and restart (start/stop/start keeps its data); the shared
// broker other tests use is never touched.
const broker = new LocalKafka(Number(process.env.PB_TEST_OUTAGE_KAFKA_PORT ?? 19392));

describe("ingress during a broker outage", () => {
  let ingress: Ingress;
  const readiness = async () => (await fetch(`${ingress.admin}/readyz`)).status;

  beforeAll(async () => {
    await broker.start({ fresh: true });
    ingress = await startTestIngress([broker.brokers], { PRODUCE_TIMEOUT_MS: "2000", TOPIC_PARTITIONS: "1" });
  });
  afterAll(async () => {
    await ingress?.stop();
    await broker.stop();
  });

  it("answers 503 and stores nothing while Kafka is down, then stores the retried delivery without a restart", async () => {
    const before = eventLogFixture({ deviceId: "lock-outage" });
    expect((await ingress.post(JSON.stringify(before))).status).toBe(200);

    await broker.stop();
    const during = JSON.stringify(eventLogFixture({ deviceId: "lock-outage" }));
    const refused = await ingress.post(during);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("30");
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("kafka_unavailable");
    await vi.waitFor(async () => expect(await readiness()).toBe(503), { timeout: 20_000, interval: 500 });
    const health = await fetch(`${ingress.admin}/healthz`);
    expect(health.status).toBe(200); // alive: Kubernetes must not restart it for a broker outage

    await broker.start();
    await vi.waitFor(async () => expect(await readiness()).toBe(200), { timeout: 60_000, interval: 500 });
    // Nothing of the refused delivery reached the topic.
    expect(await recordCount(ingress.kafka, ingress.topics.eventLogs)).toBe(1);

    const retried = await ingress.post(during);
    expect(retried.status).toBe(200);
    const records = await readTopic(ingress.kafka, ingress.topics.eventLogs, { count: 2 });
    expect(records.map((r) => r.headers.ce_id)).toEqual([before.id, JSON.parse(during).id]);
  });
});
