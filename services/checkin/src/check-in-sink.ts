import type { DoorEvent } from "@parakey-bridge/contracts";
import type { ConsumerSink, InboundRecord, WriteOutcome } from "@parakey-bridge/kafka";
import { type Db, probeWrites } from "@parakey-bridge/storage";
import type { CheckInStore } from "./check-in-store.js";
import type { CheckInMetrics } from "./metrics.js";

/**
 * The check-in service as a consumer sink: each batch goes to the store in one transaction (with
 * the partition's next offset), then the publisher is woken for the check-ins it created. Resuming
 * from the store's offsets makes a crash between the database commit and Kafka's offset commit
 * invisible.
 */
export class CheckInSink implements ConsumerSink<DoorEvent> {
  readonly name = "checkin-store";

  constructor(
    private readonly deps: {
      db: Db;
      store: Pick<CheckInStore, "writeBatch" | "storedOffsets" | "setStoredOffset">;
      metrics: Pick<CheckInMetrics, "unlocks" | "checkIns">;
      onCheckIns: () => void;
    },
  ) {}

  async write(records: readonly InboundRecord<DoorEvent>[]): Promise<readonly WriteOutcome[]> {
    const { outcomes, checkIns, plan } = await this.deps.store.writeBatch(records);
    const { metrics } = this.deps;
    for (const day of plan.days) {
      const failed = day.unlocks - day.successfulUnlocks;
      if (failed > 0) metrics.unlocks.inc({ kind: "failed" }, failed);
      if (day.anonymousUnlocks > 0) metrics.unlocks.inc({ kind: "anonymous" }, day.anonymousUnlocks);
      const person = day.successfulUnlocks - day.anonymousUnlocks;
      if (person > 0) metrics.unlocks.inc({ kind: "person" }, person);
    }
    if (plan.noDomain > 0) metrics.unlocks.inc({ kind: "no_domain" }, plan.noDomain);
    for (const checkIn of checkIns) metrics.checkIns.inc({ live: String(checkIn.live) });
    if (checkIns.length > 0) this.deps.onCheckIns();
    return outcomes;
  }

  /** The tables a batch writes, probed with a rolled-back insert (see `probeWrites`). */
  probe(): Promise<boolean> {
    return probeWrites(this.deps.db, [
      "processed_unlocks",
      "day_unlocks",
      "check_ins",
      "check_in_outbox",
      "consumer_offsets",
    ]);
  }

  storedOffsets(topic: string): Promise<ReadonlyMap<number, string>> {
    return this.deps.store.storedOffsets(topic);
  }

  setStoredOffset(topic: string, partition: number, nextOffset: string): Promise<void> {
    return this.deps.store.setStoredOffset(topic, partition, nextOffset);
  }
}
