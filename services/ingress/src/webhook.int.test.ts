import { createHash } from "node:crypto";
import doorEventSchema from "@parakey-bridge/contracts/generated/door-event.v1.schema.json" with {
  type: "json",
};
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { readTopic } from "@parakey-bridge/kafka/testing";
import { shutdownTelemetry, startTelemetry } from "@parakey-bridge/telemetry";
import { testKafkaBrokers } from "@parakey-bridge/testkit";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authHeaders } from "./testing/fixtures.js";
import { recordCount, startTestIngress } from "./testing/service-fixture.js";

type Ingress = Awaited<ReturnType<typeof startTestIngress>>;

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ajv = new Ajv2020({ strict: false });
addFormats(ajv);
const validateDoorEvent = ajv.compile(doorEventSchema);

describe("ingress webhook against a real broker", () => {
  let ingress: Ingress;
  const readAll = async (topic: string) =>
    readTopic(ingress.kafka, topic, { count: await recordCount(ingress.kafka, topic) });

  beforeAll(async () => {
    startTelemetry({ serviceName: "ingress-int-test" });
    ingress = await startTestIngress(testKafkaBrokers(), { WEBHOOK_BODY_LIMIT_BYTES: "2048" });
  });
  afterAll(async () => {
    await ingress?.stop();
    await shutdownTelemetry();
  });

  it("stores an accepted event keyed by device with CloudEvents headers, traceparent and a schema-valid DoorEvent", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const log = eventLogFixture({ deviceId: "lock-schema", domainId: "dom_schema" });
    const res = await ingress.post(JSON.stringify(log), {
      ...authHeaders,
      traceparent: `00-${traceId}-b7ad6b7169203331-01`,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "accepted", eventLogId: log.id });

    const record = (await readAll(ingress.topics.eventLogs)).find((r) => r.headers.ce_id === log.id);
    expect(record?.key).toBe("lock-schema");
    expect(record?.headers).toMatchObject({
      ce_specversion: "1.0",
      ce_id: log.id,
      ce_source: "/parakey/domains/dom_schema",
      ce_type: "co.parakey.event-log.v1",
      ce_time: log.timestamp,
      ce_subject: "lock-schema",
      ce_partitionkey: "lock-schema",
      "content-type": "application/json",
    });
    // The PRODUCER span continues the caller's trace.
    expect(record?.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const value: unknown = JSON.parse(record?.value?.toString("utf8") ?? "null");
    expect(validateDoorEvent(value), JSON.stringify(validateDoorEvent.errors)).toBe(true);
    expect(value).toMatchObject({
      eventLogId: log.id,
      deviceId: "lock-schema",
      via: "webhook",
      eventLog: log,
    });
  });

  it("puts two events of one device on one partition, in the order they were accepted", async () => {
    const first = eventLogFixture({ deviceId: "lock-order" });
    const second = eventLogFixture({ deviceId: "lock-order" });
    for (const log of [
      first,
      eventLogFixture({ deviceId: "lock-a" }),
      second,
      eventLogFixture({ deviceId: "lock-b" }),
    ]) {
      expect((await ingress.post(JSON.stringify(log))).status).toBe(200);
    }
    const mine = (await readAll(ingress.topics.eventLogs)).filter((r) => r.key === "lock-order");
    expect(mine.map((r) => r.headers.ce_id)).toEqual([first.id, second.id]);
    expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
  });

  it("stores every malformed payload class on the rejected topic with its exact bytes and reason, answering 200", async () => {
    const cases: [string | Uint8Array, string][] = [
      ["{not json", "not_json"],
      [new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]), "not_json"],
      ["[]", "not_an_object"],
      [JSON.stringify({ deviceId: "lock-1" }), "missing_id"],
      [JSON.stringify({ id: "el_no_device" }), "missing_device_id"],
      [JSON.stringify({ id: "el_bad_ts", deviceId: "lock-1", timestamp: "monday" }), "invalid_timestamp"],
      [
        JSON.stringify({ id: "el_bad_created", deviceId: "lock-1", timestamp: "2026-11-23T08:00:00Z" }),
        "invalid_created_at",
      ],
    ];
    const sent: { requestId: string; bytes: Buffer; reason: string }[] = [];
    for (const [body, reason] of cases) {
      const res = await ingress.post(body);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "rejected", reason });
      sent.push({ requestId: res.headers.get("x-request-id") ?? "", bytes: Buffer.from(body), reason });
    }
    const records = await readAll(ingress.topics.rejected);
    for (const { requestId, bytes, reason } of sent) {
      const record = records.find((r) => r.headers["pb-request-id"] === requestId);
      expect(record?.headers["pb-reject-reason"]).toBe(reason);
      expect(record?.value?.equals(bytes), reason).toBe(true);
    }
  });

  it("answers 401 to missing or wrong credentials and 413 above 16 times the body limit, producing nothing", async () => {
    const before = await recordCount(ingress.kafka, ingress.topics.eventLogs);
    const before413 = await recordCount(ingress.kafka, ingress.topics.rejected);
    const valid = JSON.stringify(eventLogFixture());
    expect((await ingress.post(valid, {})).status).toBe(401);
    expect((await ingress.post(valid, { "x-parakey-secret": "wrong-secret-0123456789" })).status).toBe(401);
    const absurd = JSON.stringify({ ...eventLogFixture(), padding: "x".repeat(16 * 2048) });
    expect((await ingress.post(absurd)).status).toBe(413);
    expect(await recordCount(ingress.kafka, ingress.topics.eventLogs)).toBe(before);
    expect(await recordCount(ingress.kafka, ingress.topics.rejected)).toBe(before413);
  });

  it("stores a body over the limit on the rejected topic as its first bytes, size and SHA-256, answered 200", async () => {
    const big = JSON.stringify({ ...eventLogFixture({ id: "el_over_limit" }), padding: "x".repeat(4096) });
    const res = await ingress.post(big);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "rejected", reason: "too_large" });
    const requestId = res.headers.get("x-request-id");
    const record = (await readAll(ingress.topics.rejected)).find(
      (r) => r.headers["pb-request-id"] === requestId,
    );
    expect(record?.value?.toString()).toBe(big.slice(0, 2048));
    expect(record?.headers).toMatchObject({
      "pb-reject-reason": "too_large",
      "pb-truncated": "true",
      "pb-original-bytes": String(big.length),
      "pb-original-sha256": createHash("sha256").update(big).digest("hex"),
    });
  });

  it("reads a chunked body from the socket byte-exact, and stores what it keeps of one over the limit", async () => {
    const chunked = (chunks: Uint8Array[]) =>
      fetch(ingress.url, {
        method: "POST",
        headers: authHeaders,
        duplex: "half",
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(chunk);
            controller.close();
          },
        }),
      } as RequestInit);
    const before = await recordCount(ingress.kafka, ingress.topics.eventLogs);
    const beforeRejected = await recordCount(ingress.kafka, ingress.topics.rejected);

    const tooBig = await chunked([new Uint8Array(1500).fill(0x20), new Uint8Array(1500).fill(0x20)]);
    expect(await tooBig.json()).toEqual({ status: "rejected", reason: "too_large" });
    expect(await recordCount(ingress.kafka, ingress.topics.eventLogs)).toBe(before);
    expect(await recordCount(ingress.kafka, ingress.topics.rejected)).toBe(beforeRejected + 1);

    const bytes = [Buffer.from('{"id":"el_chunked",'), Buffer.from([0xff, 0xfe]), Buffer.from("}")];
    const res = await chunked(bytes);
    expect(await res.json()).toEqual({ status: "rejected", reason: "not_json" });
    const requestId = res.headers.get("x-request-id");
    const record = (await readAll(ingress.topics.rejected)).find(
      (r) => r.headers["pb-request-id"] === requestId,
    );
    expect(record?.value?.equals(Buffer.concat(bytes))).toBe(true);
  });

  it("produces a repeated delivery once, also when the repeats arrive concurrently", async () => {
    const body = JSON.stringify(eventLogFixture({ deviceId: "lock-dup" }));
    const concurrent = await Promise.all([ingress.post(body), ingress.post(body), ingress.post(body)]);
    const later = await ingress.post(body);
    const statuses = await Promise.all(
      [...concurrent, later].map(async (r) => ((await r.json()) as { status: string }).status),
    );
    expect(statuses.sort()).toEqual(["accepted", "duplicate", "duplicate", "duplicate"]);
    const id = (JSON.parse(body) as { id: string }).id;
    const copies = (await readAll(ingress.topics.eventLogs)).filter((r) => r.headers.ce_id === id);
    expect(copies).toHaveLength(1);
  });

  it("is ready while Kafka is reachable and exposes its metrics", async () => {
    expect((await fetch(`${ingress.admin}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${ingress.admin}/metrics`)).text();
    expect(metrics).toMatch(/^bridge_events_produced_total\{via="webhook"\} \d+/m);
    expect(metrics).toContain("bridge_kafka_produce_batch_size_count");
    expect(metrics).toContain('bridge_webhook_requests_total{outcome="unauthorized"}');
  });
});
