import type { DoorEvent } from "@parakey-bridge/contracts";
import type { ConsumerSink, InboundRecord, WriteOutcome } from "@parakey-bridge/kafka";
import type { Db } from "@parakey-bridge/storage";
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
    private readonly db: Pick<Db, "probe">,
    private readonly metrics: Pick<BillingMetrics, "metered" | "adjustments">,
  ) {}

  async write(records: readonly InboundRecord<DoorEvent>[]): Promise<readonly WriteOutcome[]> {
    const batch = await this.store.writeBatch(records);
    if (batch.metered > 0) this.metrics.metered.inc(batch.metered);
    if (batch.adjustments > 0) this.metrics.adjustments.inc(batch.adjustments);
    return batch.outcomes;
  }

  probe(): Promise<boolean> {
    return this.db.probe();
  }

  storedOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    return this.store.storedOffsets(topic);
  }

  setStoredOffset(topic: string, partition: number, nextOffset: string): Promise<void> {
    return this.store.setStoredOffset(topic, partition, nextOffset);
  }
}
