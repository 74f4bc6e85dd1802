import { createHash } from "node:crypto";
import { DOOR_EVENT_TYPE } from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { metricValue } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";
import { authHeaders, testApp } from "../testing/fixtures.js";

const json = (value: unknown) => JSON.stringify(value);

describe("POST /webhooks/parakey: happy path", () => {
  it("stores a valid event keyed by its device with CloudEvents headers and answers 200 with its id", async () => {
    const { post, sink } = testApp();
    const log = eventLogFixture({ id: "el_1", deviceId: "lock-7", domainId: "dom_1" });
    const res = await post(json(log));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "accepted", eventLogId: "el_1" });
    const [record] = sink.on("events");
    expect(record?.key).toBe("lock-7");
    expect(record?.headers).toMatchObject({
      ce_id: "el_1",
      ce_type: DOOR_EVENT_TYPE,
      ce_specversion: "1.0",
      ce_source: "/parakey/domains/dom_1",
      ce_subject: "lock-7",
    });
    const value = JSON.parse(record?.value.toString() ?? "{}");
    expect(value).toMatchObject({ eventLogId: "el_1", deviceId: "lock-7", via: "webhook", eventLog: log });
  });

  it("counts the produced event and observes its offline delay", async () => {
    const { post, registry } = testApp();
    const timestamp = new Date("2026-11-23T08:00:00Z");
    await post(json(eventLogFixture({ timestamp, createdAt: new Date(timestamp.getTime() + 90_000) })));
    expect(await metricValue(registry, 'bridge_events_produced_total{via="webhook"}')).toBe(1);
    expect(await metricValue(registry, "bridge_event_delay_seconds_sum")).toBe(90);
    expect(await metricValue(registry, 'bridge_webhook_requests_total{outcome="accepted"}')).toBe(1);
  });
});

describe("POST /webhooks/parakey: payloads that cannot be normalized", () => {
  const cases: [string, string | Uint8Array, string][] = [
    ["not JSON", "{not json", "not_json"],
    ["an empty body", "", "not_json"],
    ["bytes that are not UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "not_json"],
    ["a JSON array", "[1,2]", "not_an_object"],
    ["a JSON number", "42", "not_an_object"],
    ["JSON null", "null", "not_an_object"],
    ["an object without id", json({ device: { id: "lock-1" } }), "missing_id"],
    [
      "an object without device id",
      json({ id: "el_2", timestamp: "2026-11-23T08:00:00Z" }),
      "missing_device_id",
    ],
    [
      "a timestamp without time zone",
      json({
        id: "el_3",
        deviceId: "lock-1",
        timestamp: "2026-11-23T08:00:00",
        createdAt: "2026-11-23T08:00:01Z",
      }),
      "invalid_timestamp",
    ],
    [
      "a createdAt that is not a date",
      json({ id: "el_4", deviceId: "lock-1", timestamp: "2026-11-23T08:00:00Z", createdAt: "yesterday" }),
      "invalid_created_at",
    ],
    // The poison payloads of issue 13: each used to be answered 503 for ever or accepted and then
    // dead-lettered by every consumer.
    [
      "~10 KB of nested arrays (JSON.stringify overflowed in the produce call)",
      json(eventLogFixture()).replace(/}$/, `,"x":${"[".repeat(5_000)}${"]".repeat(5_000)}}`),
      "too_deep",
    ],
    ["U+0000 in a value", json({ ...eventLogFixture(), note: "a\u0000b" }), "unstorable_text"],
    ["an unpaired surrogate", json(eventLogFixture()).replace(/}$/, ',"note":"\\ud800"}'), "unstorable_text"],
    [
      "a timestamp in year 10000 once its offset applies",
      json({ ...eventLogFixture(), timestamp: "9999-12-31T23:00:00-05:00" }),
      "invalid_timestamp",
    ],
    [
      "a numeric id above 2^53",
      json(eventLogFixture()).replace(/"id":"[^"]+"/, '"id":9007199254740993'),
      "unsafe_number",
    ],
  ];

  it.each(cases)(
    "stores %s on the rejected topic with its exact bytes and answers 200",
    async (_, body, reason) => {
      const { post, sink, registry } = testApp({ bodyLimitBytes: 256 * 1024 });
      const res = await post(body, { ...authHeaders, "user-agent": "Parakey-WebhookWorker/1.0" });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "rejected", reason });
      expect(sink.on("events")).toHaveLength(0);
      const [record] = sink.on("rejected");
      const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
      expect(record?.value.equals(bytes)).toBe(true);
      expect(record?.headers).toMatchObject({
        "pb-reject-reason": reason,
        "pb-via": "webhook",
        "pb-user-agent": "Parakey-WebhookWorker/1.0",
        "pb-content-type": "application/json",
      });
      expect(record?.headers?.["pb-request-id"]).toBe(res.headers.get("x-request-id"));
      expect(await metricValue(registry, `bridge_events_rejected_total{reason="${reason}"}`)).toBe(1);
    },
  );

  it("keys a rejected record by its device when the device is readable", async () => {
    const { post, sink } = testApp();
    await post(json({ id: "el_5", device: { id: "lock-9" }, timestamp: "soon" }));
    expect(sink.on("rejected")[0]?.key).toBe("lock-9");
  });

  it("answers 503 when the rejected record cannot be stored either", async () => {
    const { post, sink } = testApp();
    sink.failWith();
    const res = await post("{not json");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
  });
});

describe("POST /webhooks/parakey: an event larger than its topic accepts", () => {
  it("stores the payload's exact bytes on the rejected topic and answers 200 rejected, not 503", async () => {
    const { post, sink, registry } = testApp();
    sink.limitTopic("events", 300);
    const body = json(eventLogFixture({ id: "el_large" }));
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "rejected", reason: "record_too_large" });
    const [record] = sink.on("rejected");
    expect(record?.value.toString()).toBe(body);
    expect(record?.headers).toMatchObject({
      "pb-reject-reason": "record_too_large",
      "pb-event-log-id": "el_large",
    });
    expect(await metricValue(registry, 'bridge_events_rejected_total{reason="record_too_large"}')).toBe(1);
  });

  it("keeps a prefix, the size and the SHA-256 when the rejected topic cannot take the payload either", async () => {
    const { post, sink } = testApp();
    sink.limitTopic("events", 300);
    sink.limitTopic("rejected", 5_000);
    const body = json({ ...eventLogFixture({ id: "el_huge" }), pad: "x".repeat(20_000) });
    expect((await post(body)).status).toBe(200);
    const [record] = sink.on("rejected");
    expect(record?.value.byteLength).toBeLessThanOrEqual(5_000);
    expect(body.startsWith(record?.value.toString() ?? "-")).toBe(true);
    expect(record?.headers).toMatchObject({
      "pb-truncated": "true",
      "pb-original-bytes": String(body.length),
      "pb-original-sha256": createHash("sha256").update(body).digest("hex"),
    });
  });
});

describe("POST /webhooks/parakey: Kafka not storing", () => {
  it("answers 503 with Retry-After and the request id, and reports nothing as accepted", async () => {
    const { post, sink, registry } = testApp();
    sink.failWith();
    const res = await post(json(eventLogFixture({ id: "el_down" })));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe("kafka_unavailable");
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
    expect(await metricValue(registry, 'bridge_events_produced_total{via="webhook"}')).toBe(0);
    expect(await metricValue(registry, 'bridge_webhook_requests_total{outcome="unavailable"}')).toBe(1);
  });

  it("stores the retried delivery once Kafka is back (a failed id is not remembered)", async () => {
    const { post, sink } = testApp();
    const body = json(eventLogFixture({ id: "el_retry" }));
    sink.failWith();
    expect((await post(body)).status).toBe(503);
    sink.recover();
    const res = await post(body);
    expect(await res.json()).toEqual({ status: "accepted", eventLogId: "el_retry" });
    expect(sink.on("events")).toHaveLength(1);
  });
});

describe("POST /webhooks/parakey: duplicates", () => {
  it("produces a repeated delivery once and answers the repeat 200 as a duplicate", async () => {
    const { post, sink, registry } = testApp();
    const body = json(eventLogFixture({ id: "el_dup" }));
    expect(await (await post(body)).json()).toEqual({ status: "accepted", eventLogId: "el_dup" });
    const again = await post(body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: "duplicate", eventLogId: "el_dup" });
    expect(sink.on("events")).toHaveLength(1);
    expect(await metricValue(registry, 'bridge_events_duplicate_total{via="webhook"}')).toBe(1);
  });

  it("lets concurrent deliveries of one id share the one in-flight produce", async () => {
    const { post, sink } = testApp();
    const body = json(eventLogFixture({ id: "el_concurrent" }));
    sink.hold();
    const answers = Promise.all([post(body), post(body), post(body)]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    sink.release();
    const statuses = await Promise.all(
      (await answers).map(async (r) => ((await r.json()) as { status: string }).status),
    );
    expect(statuses.sort()).toEqual(["accepted", "duplicate", "duplicate"]);
    expect(sink.sends).toBe(1);
  });

  it("answers concurrent duplicates 503 too when the shared produce fails", async () => {
    const { post, sink } = testApp();
    const body = json(eventLogFixture({ id: "el_shared_fail" }));
    sink.hold();
    sink.failWith();
    const answers = Promise.all([post(body), post(body)]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    sink.release();
    expect((await answers).map((r) => r.status)).toEqual([503, 503]);
  });
});

describe("POST /webhooks/parakey: allowlists", () => {
  it("acknowledges an event of a domain outside the allowlist without producing it", async () => {
    const { post, sink, registry } = testApp({ allowlist: { domainIds: ["dom_hq"], deviceIds: [] } });
    const res = await post(json(eventLogFixture({ id: "el_other", domainId: "dom_other" })));
    expect(await res.json()).toEqual({
      status: "ignored",
      reason: "domain_not_allowed",
      eventLogId: "el_other",
    });
    expect(sink.records).toHaveLength(0);
    expect(await metricValue(registry, 'bridge_events_filtered_total{reason="domain_not_allowed"}')).toBe(1);
    const allowed = await post(json(eventLogFixture({ domainId: "dom_hq" })));
    expect(await allowed.json()).toMatchObject({ status: "accepted" });
  });

  it("acknowledges an event of a device outside the allowlist without producing it", async () => {
    const { post, sink } = testApp({ allowlist: { domainIds: [], deviceIds: ["lock-1"] } });
    const res = await post(json(eventLogFixture({ deviceId: "lock-2" })));
    expect(((await res.json()) as { reason: string }).reason).toBe("device_not_allowed");
    expect(sink.records).toHaveLength(0);
  });
});
