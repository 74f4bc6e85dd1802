import type { Clock } from "@parakey-bridge/service-kit";
import { LRUCache } from "lru-cache";

export interface RecentEventIdsOptions {
  /** How many ids are remembered at most (least recently used ones are forgotten first). */
  max: number;
  /** How long an id is remembered. Parakey's last retry comes ~20 min after the first failure. */
  ttlMs: number;
  clock: Clock;
}

/** What happened to one delivery. */
export type AcceptOutcome = "stored" | "duplicate";

/**
 * The event log ids this replica stored recently, so a repeated delivery (Parakey retrying after a
 * lost 2xx, the poller overlapping the webhook) is answered without producing the event again.
 *
 * An id is remembered only once Kafka acknowledged it: a failed produce leaves nothing behind and the
 * retry stores it. Concurrent deliveries of an id that is still being produced share that one produce
 * and its outcome. This is a best-effort, per-replica filter that keeps the topic small; the topic
 * itself stays at-least-once (other replicas, restarts), and consumers dedupe on `ce_id`.
 *
 * @example
 * const outcome = await recent.storeOnce(event.eventLogId, () => sink.send(record)); // "stored" | "duplicate"
 */
export class RecentEventIds {
  private readonly stored: LRUCache<string, true>;
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(options: RecentEventIdsOptions) {
    this.stored = new LRUCache<string, true>({
      max: options.max,
      ttl: options.ttlMs,
      // Expired ids are dropped when touched or pushed out by `max`: no timer per entry.
      ttlAutopurge: false,
      // Ask the clock on every check (the default caches "now" for 1 ms of real time).
      ttlResolution: 0,
      perf: { now: () => options.clock.nowMs() },
    });
  }

  /**
   * Runs `store` unless the id was stored recently or is being stored right now. Rejects when
   * `store` (or the shared in-flight store) rejects; the id is then not remembered.
   */
  async storeOnce(id: string, store: () => Promise<void>): Promise<AcceptOutcome> {
    if (this.stored.has(id)) return "duplicate";
    const pending = this.inFlight.get(id);
    if (pending) {
      await pending;
      return "duplicate";
    }
    const attempt = store();
    this.inFlight.set(id, attempt);
    try {
      await attempt;
      this.stored.set(id, true);
      return "stored";
    } finally {
      this.inFlight.delete(id);
    }
  }

  /** Whether an id was stored recently (not counting in-flight ones). */
  has(id: string): boolean {
    return this.stored.has(id);
  }

  get size(): number {
    return this.stored.size;
  }
}
