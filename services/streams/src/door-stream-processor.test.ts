import { type DoorEvent, decodeAnonymousDoorEvent, encodeDoorEvent } from "@parakey-bridge/contracts";
import type { StreamRecord } from "@parakey-bridge/kafka";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { DoorStreamProcessor } from "./door-stream-processor.js";
import { createDoorStreamsMetrics } from "./metrics.js";
import { pseudonymizer } from "./pseudonym.js";
import { doorEvent } from "./test-support.js";

const topics = { eventLogs: "in", doorEvents: "out", anonymous: "anon" };
const pseudonymOf = pseudonymizer(Buffer.from("k".repeat(32)));

function processor() {
  const registry = new Registry();
  return new DoorStreamProcessor({
    partition: 0,
    group: "g",
    topics,
    pseudonymOf,
    metrics: createDoorStreamsMetrics(registry, () => 0),
    clock: new ManualClock(),
  });
}

let offset = 0;
const record = (event: DoorEvent | Buffer, headers: Record<string, string> = {}): StreamRecord => ({
  partition: 0,
  offset: String(offset++),
  timestamp: "0",
  key: "dev",
  value: Buffer.isBuffer(event) ? event : encodeDoorEvent(event),
  headers,
});

describe("DoorStreamProcessor", () => {
  it("writes an id once to both outputs and records it in the state, however often it arrives in a chunk", () => {
    const p = processor();
    const event = doorEvent("el_1", 1);
    const chunk = p.process([record(event), record({ ...event, via: "poll" }), record(event)]);
    expect(chunk.output.map((r) => r.topic)).toEqual(["out", "anon"]);
    expect(chunk.state.map((s) => s.key)).toEqual(["el_1"]);
    expect(chunk.output[0]?.key).toBe(event.deviceId);
  });

  it("forgets a chunk whose transaction never committed, and remembers one that did", () => {
    const p = processor();
    const event = doorEvent("el_1", 1);
    p.process([record(event)]); // aborted: never committed
    const retried = p.process([record(event)]);
    expect(retried.state).toHaveLength(1);
    retried.committed();
    expect(p.process([record(event)]).output).toEqual([]);
    expect(p.size).toBe(1);
  });

  it("recognises ids restored from the state topic (a restart, a replay, a backfill of old history)", () => {
    const p = processor();
    p.restore("el_old", Buffer.from("1"));
    const chunk = p.process([record(doorEvent("el_old", 1, { year: 2024 })), record(doorEvent("el_new", 2))]);
    expect(chunk.state.map((s) => s.key)).toEqual(["el_new"]);
  });

  it("dead-letters a record that is not a DoorEvent, in the same transaction, and goes on", () => {
    const p = processor();
    const chunk = p.process([record(Buffer.from("{not json")), record(doorEvent("el_2", 2))]);
    expect(chunk.output.map((r) => r.topic)).toEqual(["parakey.event-logs.v1.g.dlq", "out", "anon"]);
    expect(chunk.output[0]?.headers?.["pb-dlq-error-code"]).toBe("contract_violation");
  });

  it("sends the anonymous event with the pseudonym and without the original payload or its headers", () => {
    const p = processor();
    const event = doorEvent("el_3", 3);
    const chunk = p.process([record(event, { "x-user-email": "ada@example.com", traceparent: "00-a-b-01" })]);
    const anonymous = chunk.output.find((r) => r.topic === "anon");
    const decoded = decodeAnonymousDoorEvent(anonymous?.value ?? null);
    expect(decoded.ok && decoded.value.userPseudonym).toBe(pseudonymOf(event.userId ?? ""));
    expect(anonymous?.value.toString()).not.toContain(event.userId ?? "");
    expect(anonymous?.value.toString()).not.toContain("Ada");
    expect(Object.keys(anonymous?.headers ?? {})).not.toContain("x-user-email");
    expect(anonymous?.headers?.traceparent).toBe("00-a-b-01");
  });
});
