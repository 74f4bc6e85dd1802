import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { eventLogItemOf } from "@parakey-bridge/parakey-client";
import { ManualClock } from "@parakey-bridge/service-kit/testing";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createAllowlist } from "../allowlist.js";
import { RecentEventIds } from "../dedupe/recent-event-ids.js";
import { createIngressMetrics } from "../metrics.js";
import { MemorySink } from "../testing/memory-sink.js";
import { EventLogPublisher } from "./publisher.js";

function setup() {
  const clock = new ManualClock(new Date("2026-11-23T08:00:00Z"));
  const sink = new MemorySink();
  const publisher = new EventLogPublisher({
    sink,
    metrics: createIngressMetrics(new Registry()),
    recent: new RecentEventIds({ max: 1000, ttlMs: 3_600_000, clock }),
    topics: { eventLogs: "events", rejected: "rejected" },
    allowlist: createAllowlist({ domainIds: [], deviceIds: [] }),
    integration: "acme",
    clock,
  });
  /** An item as the client makes it from a page it parsed with JSON.parse. */
  const item = (json: string) => eventLogItemOf(JSON.parse(json), clock.now());
  const good = (id: string) => JSON.stringify(eventLogFixture({ id }));
  return { sink, publisher, item, good };
}

describe("the poller rejects a poison item and moves on", () => {
  it("stores poison items of a page on the rejected topic and produces the rest, so the page completes", async () => {
    const { sink, publisher, item, good } = setup();
    const deep = good("el_deep").replace(/}$/, `,"x":${"[".repeat(5_000)}${"]".repeat(5_000)}}`);
    const page = [
      item(good("el_1")),
      // JSON.parse reads 5 000 levels; JSON.stringify overflowed on them and failed the page each cycle.
      item(deep),
      item(good("el_nul").replace(/}$/, ',"note":"a\\u0000b"}')),
      item(good("el_year").replace(/"timestamp":"[^"]+"/, '"timestamp":"9999-12-31T23:00:00-05:00"')),
      item(good("el_2")),
    ];
    const outcome = await publisher.publish(page);
    expect(outcome).toMatchObject({ produced: 2, rejected: 3 });
    expect(sink.on("events").map((r) => r.headers?.ce_id)).toEqual(["el_1", "el_2"]);
    const reasons = sink
      .on("rejected")
      .map((r) => [r.headers?.["pb-event-log-id"], r.headers?.["pb-reject-reason"]]);
    expect(reasons).toEqual([
      ["el_deep", "too_deep"],
      ["el_nul", "unstorable_text"],
      ["el_year", "invalid_timestamp"],
    ]);
  });

  it("stores an event larger than its topic accepts on the rejected topic instead of failing the page", async () => {
    const { sink, publisher, item, good } = setup();
    sink.limitTopic("events", 2_000);
    const large = good("el_large").replace(/}$/, `,"pad":"${"x".repeat(3_000)}"}`);
    const outcome = await publisher.publish([item(good("el_1")), item(large), item(good("el_2"))]);
    expect(outcome).toMatchObject({ produced: 2, rejected: 1 });
    const [rejected] = sink.on("rejected");
    expect(rejected?.headers).toMatchObject({
      "pb-reject-reason": "record_too_large",
      "pb-event-log-id": "el_large",
    });
    expect(JSON.parse(rejected?.value.toString() ?? "null")).toEqual(JSON.parse(large));
  });
});
