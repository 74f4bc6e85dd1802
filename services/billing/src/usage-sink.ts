import type { DoorEvent } from "@parakey-bridge/contracts";
import type { ConsumerSink, InboundRecord, WriteOutcome } from "@parakey-bridge/kafka";
import { type Db, probeWrites } from "@parakey-bridge/storage";
import type { BillingMetrics } from "./metrics.js";
import type { UsageStore } from "./usage-store.js";

/**
 * Billing as a consumer sink that keeps its offsets itself: the runner seeks each assigned
 * partition to the offset the usage store committed with the meters, so after a crash (even a
 * SIGKILL between the database commit and Kafka's offset commit) metering resumes exactly there.
 */
export class UsageSink implements ConsumerSink<DoorEvent> {
  readonly name = "billing-store";

  constructor(
    private readonly store: Pick<UsageStore, "writeBatch" | "storedOffsets" | "setStoredOffset">,
    private readonly db: Db,
    private readonly metrics: Pick<BillingMetrics, "metered" | "adjustments">,
  ) {}

  async write(records: readonly InboundRecord<DoorEvent>[]): Promise<readonly WriteOutcome[]> {
    const batch = await this.store.writeBatch(records);
    if (batch.metered > 0) this.metrics.metered.inc(batch.metered);
    if (batch.adjustments > 0) this.metrics.adjustments.inc(batch.adjustments);
    return batch.outcomes;
  }

  /** The tables metering writes, probed with a rolled-back insert (see `probeWrites`). */
  probe(): Promise<boolean> {
    return probeWrites(this.db, [
      "metered_unlocks",
      "billing_periods",
      "period_active_users",
      "period_active_devices",
      "usage_meters",
      "usage_adjustments",
      "consumer_offsets",
    ]);
  }

  storedOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    return this.store.storedOffsets(topic);
  }

  setStoredOffset(topic: string, partition: number, nextOffset: string): Promise<void> {
    return this.store.setStoredOffset(topic, partition, nextOffset);
  }
}
