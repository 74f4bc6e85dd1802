import type { Clock, Component } from "@parakey-bridge/service-kit";
import type { Db } from "@parakey-bridge/storage";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Counter } from "prom-client";

const DAY_MS = 24 * 3600 * 1000;

/**
 * Erases the personal data (user id, the payload's personal members, and the salt of their
 * commitment) of events that happened before `olderThan`, in small batches so appends are never
 * blocked for long. The rows and their hash chain stay verifiable. Returns the rows erased.
 *
 * @example
 * await erasePersonalData(db, { olderThan: new Date(Date.now() - 90 * 864e5), now: new Date() });
 */
export async function erasePersonalData(
  db: Db,
  options: { olderThan: Date; now: Date; batchSize?: number },
): Promise<number> {
  const batchSize = options.batchSize ?? 1_000;
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `UPDATE audit_events SET user_id = NULL, personal = NULL, personal_salt = NULL, erased_at = $2
       WHERE event_log_id IN (
         SELECT event_log_id FROM audit_events
         WHERE erased_at IS NULL AND occurred_at < $1
         LIMIT $3 FOR UPDATE SKIP LOCKED)`,
      [options.olderThan.toISOString(), options.now.toISOString(), batchSize],
    );
    total += rowCount;
    if (rowCount < batchSize) return total;
  }
}

/**
 * Runs the erasure periodically: personal data is kept `retentionDays` after the event (Parakey's
 * own default is 90 days), then erased.
 */
export class ErasureJob implements Component {
  readonly name = "personal-data-erasure";
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      log: Logger;
      erased: Counter;
      retentionDays: number;
      intervalMs: number;
    },
  ) {}

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.runOnce(), this.deps.intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  /** One erasure pass (skipped when one is still running). */
  runOnce(): Promise<void> {
    this.running ??= this.erase().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async erase(): Promise<void> {
    const now = this.deps.clock.now();
    const olderThan = new Date(now.getTime() - this.deps.retentionDays * DAY_MS);
    try {
      const erased = await erasePersonalData(this.deps.db, { olderThan, now });
      this.deps.erased.inc(erased);
      if (erased > 0)
        this.deps.log.info({ erased, olderThan: olderThan.toISOString() }, "personal data erased");
    } catch (error) {
      this.deps.log.warn({ err: error }, "personal-data erasure failed; retrying at the next interval");
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
