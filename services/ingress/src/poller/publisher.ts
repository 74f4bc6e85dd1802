import { createHash } from "node:crypto";
import { doorEventRecord } from "@parakey-bridge/contracts";
import type { EventLogItem } from "@parakey-bridge/parakey-client";
import type { Clock } from "@parakey-bridge/service-kit";
import type { Allowlist } from "../allowlist.js";
import { RecentEventIds } from "../dedupe/recent-event-ids.js";
import { type EventSink, itemBytes, sendEventOrReject, sendRejected } from "../event-sink.js";
import type { IngressMetrics } from "../metrics.js";
import type { GapDetector } from "./gap-detector.js";

export interface EventLogPublisherDeps {
  sink: EventSink;
  metrics: IngressMetrics;
  /** The webhook's recent-ids memory (the poller) or one of its own (a backfill). */
  recent: RecentEventIds;
  topics: { eventLogs: string; rejected: string };
  allowlist: Allowlist;
  integration: string;
  clock: Clock;
  /** The poller's; a backfill has none (it recovers history on purpose, nothing to count). */
  gaps?: GapDetector;
}

/** What happened to the items of one page. */
export interface PageOutcome {
  produced: number;
  duplicates: number;
  rejected: number;
  filtered: number;
  /** Ids produced by the poller that the webhook never brought within the gap window. */
  recovered: string[];
}

/**
 * Produces the items of a page the way the webhook path does: a DoorEvent record keyed by device
 * with CloudEvents headers (`doorEventRecord`, `via: "poll"`), the same allowlists, and an item that
 * could not be normalized on the rejected topic with the reason (`rejectedRecord`; its bytes are the
 * item's JSON as it stood in the page). Resolves once Kafka acknowledged every record; rejects if any
 * was not stored, and then the caller must not checkpoint past this page.
 *
 * Ids the webhook (or an earlier page) stored recently are skipped; so are rejected items already
 * stored by this publisher (the read window overlaps the previous one).
 *
 * @example
 * const outcome = await publisher.publish(page.items);
 */
export class EventLogPublisher {
  /** Rejected items have no usable id: remembered by a hash of their JSON. */
  private readonly rejectedSeen: RecentEventIds;

  constructor(private readonly deps: EventLogPublisherDeps) {
    this.rejectedSeen = new RecentEventIds({ max: 10_000, ttlMs: 24 * 3_600_000, clock: deps.clock });
  }

  async publish(items: readonly EventLogItem[]): Promise<PageOutcome> {
    const outcome: PageOutcome = { produced: 0, duplicates: 0, rejected: 0, filtered: 0, recovered: [] };
    await Promise.all(items.map((item) => this.publishOne(item, outcome)));
    return outcome;
  }

  private async publishOne(item: EventLogItem, outcome: PageOutcome): Promise<void> {
    const { deps } = this;
    if (!item.ok) {
      const body = itemBytes(item.raw);
      const fingerprint = createHash("sha256")
        .update(`${item.rejection.eventLogId ?? ""}\u0000`)
        .update(body)
        .digest("base64url");
      const meta = { via: "poll" as const, receivedAt: deps.clock.now(), integration: deps.integration };
      const stored = await this.rejectedSeen.storeOnce(fingerprint, () =>
        sendRejected(deps.sink, body, item.rejection, meta, deps.topics.rejected),
      );
      if (stored === "stored") {
        outcome.rejected += 1;
        deps.metrics.rejected.inc({ reason: item.rejection.reason });
      }
      return;
    }
    const { event } = item;
    const filtered = deps.allowlist(event);
    if (filtered) {
      outcome.filtered += 1;
      deps.metrics.filtered.inc({ reason: filtered });
      return;
    }
    const id = event.eventLogId;
    const record = doorEventRecord(event, deps.topics.eventLogs, item.value);
    const gaps = deps.gaps;
    if (deps.recent.has(id) || gaps?.isWatched(id)) {
      this.duplicate(outcome);
      return;
    }
    const createdAt = new Date(event.recordedAt);
    // An event too large for its topic is stored on the rejected topic instead: the page goes on.
    let rejected = false;
    const send = async () => {
      const sent = await sendEventOrReject(deps.sink, record, {
        // Serialized only if the event is refused as too large: most never are.
        body: () => itemBytes(item.eventLog),
        meta: { via: "poll", receivedAt: deps.clock.now(), integration: deps.integration },
        topic: deps.topics.rejected,
        eventLogId: id,
        deviceId: event.deviceId,
      });
      if (sent.stored === "rejected") {
        rejected = true;
        outcome.rejected += 1;
        deps.metrics.rejected.inc({ reason: sent.rejection.reason });
      }
    };
    if (gaps?.isYoung(createdAt)) {
      // Not registered as stored: the webhook may still bring it, and the gap detector asks later.
      await send();
      if (rejected) return;
      gaps.watch(id, createdAt);
      this.produced(outcome, event.delayMs);
      return;
    }
    const stored = await deps.recent.storeOnce(id, send);
    if (rejected) return;
    if (stored === "duplicate") {
      this.duplicate(outcome);
      return;
    }
    this.produced(outcome, event.delayMs);
    if (gaps) outcome.recovered.push(id);
  }

  private produced(outcome: PageOutcome, delayMs: number): void {
    outcome.produced += 1;
    this.deps.metrics.produced.inc({ via: "poll" });
    this.deps.metrics.eventDelay.observe(Math.max(0, delayMs) / 1000);
  }

  private duplicate(outcome: PageOutcome): void {
    outcome.duplicates += 1;
    this.deps.metrics.duplicates.inc({ via: "poll" });
  }
}
