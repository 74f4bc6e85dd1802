/**
 * The consumer loop's signs of life, for the liveness probe. The loop counts as dead when it showed
 * none for `timeoutMs`, or when one sink call or dead-letter send has been running that long: the
 * member's heartbeats during the call keep the partitions assigned, but a call that never returns
 * would hold them forever, so heartbeats alone are no sign of life.
 *
 * @example
 * const liveness = new Liveness(60_000);
 * await liveness.during(sink.write(records));
 * liveness.live(); // false once a write hangs for a minute
 */
export class Liveness {
  private lastSignOfLife = Date.now();
  /** Start times (ms) of the sink calls and sends running now. */
  private readonly callsInFlight = new Set<{ since: number }>();

  constructor(private readonly timeoutMs: number) {}

  /** The loop did something (fetched, heartbeated, finished a chunk). */
  touch(): void {
    this.lastSignOfLife = Date.now();
  }

  /** Counts `work` as a call in flight until it settles. */
  async during<R>(work: Promise<R>): Promise<R> {
    const call = { since: Date.now() };
    this.callsInFlight.add(call);
    try {
      return await work;
    } finally {
      this.callsInFlight.delete(call);
    }
  }

  live(): boolean {
    const now = Date.now();
    if (now - this.lastSignOfLife >= this.timeoutMs) return false;
    for (const call of this.callsInFlight) if (now - call.since >= this.timeoutMs) return false;
    return true;
  }
}
