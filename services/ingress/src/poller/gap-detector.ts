import type { Clock } from "@parakey-bridge/service-kit";

export interface GapDetectorOptions {
  /** Parakey retries a failed webhook for ~20 min; an event not delivered within this is a gap. */
  windowMs: number;
  clock: Clock;
  /** Ids watched at most; beyond it the oldest are dropped uncounted. Default 100 000. */
  max?: number;
}

/**
 * Tells events the poller recovered (the webhook never brought them) from events the poller merely
 * saw first. An event older than the window when the poller finds it, and not in the webhook's
 * recent-ids memory, is a gap at once. A younger one is produced right away (nothing waits on the
 * webhook) but not yet judged: it is watched, and once its `createdAt` is older than the window the
 * poller asks the recent-ids memory whether the webhook stored it meanwhile.
 *
 * Both judgements use the ingress's recent-ids memory, which is per replica: with several replicas a
 * webhook stored by another one looks like a gap here, so the count is an upper bound there. Watched
 * ids live in memory: a restart or a handover forgets them uncounted (they are on the topic).
 *
 * @example
 * const gaps = new GapDetector({ windowMs: 30 * 60_000, clock });
 * if (gaps.isYoung(createdAt)) gaps.watch(id, createdAt);
 * const recovered = gaps.settle((id) => recent.has(id)); // ids the webhook never brought
 */
export class GapDetector {
  private readonly watched = new Map<string, number>();
  private readonly max: number;

  constructor(private readonly options: GapDetectorOptions) {
    this.max = options.max ?? 100_000;
  }

  /** Whether the webhook may still bring an event created at `createdAt`. */
  isYoung(createdAt: Date): boolean {
    return this.options.clock.nowMs() - createdAt.getTime() < this.options.windowMs;
  }

  /** Watches an event the poller produced before its window passed. */
  watch(id: string, createdAt: Date): void {
    this.watched.delete(id);
    this.watched.set(id, createdAt.getTime());
    while (this.watched.size > this.max) {
      const oldest = this.watched.keys().next().value;
      if (oldest === undefined) break;
      this.watched.delete(oldest);
    }
  }

  isWatched(id: string): boolean {
    return this.watched.has(id);
  }

  /**
   * Judges every watched event whose window has passed: those the webhook never stored are returned
   * (recovered by the poller); all of them stop being watched.
   */
  settle(storedByWebhook: (id: string) => boolean): string[] {
    const cutoff = this.options.clock.nowMs() - this.options.windowMs;
    const recovered: string[] = [];
    for (const [id, createdAtMs] of this.watched) {
      if (createdAtMs > cutoff) continue;
      this.watched.delete(id);
      if (!storedByWebhook(id)) recovered.push(id);
    }
    return recovered;
  }

  get size(): number {
    return this.watched.size;
  }

  /** Forgets everything (leadership lost: another replica judges from now on). */
  clear(): void {
    this.watched.clear();
  }
}
