import type { DoorEvent } from "@parakey-bridge/contracts";
import type { ConsumerSink, InboundRecord, WriteOutcome } from "@parakey-bridge/kafka";
import { type Db, probeWrites } from "@parakey-bridge/storage";
import type { AuditStore } from "./store/audit-store.js";

/**
 * The audit store as the consumer runtime's sink. The store keeps Kafka offsets in its own
 * transactions, but only to tell redeliveries from duplicates: the group resumes from Kafka's
 * committed offsets (no `storedOffsets`), so an operator's `replay` really re-reads the records —
 * and they change nothing.
 */
export class AuditSink implements ConsumerSink<DoorEvent> {
  readonly name = "audit-store";

  constructor(
    private readonly store: AuditStore,
    private readonly db: Db,
  ) {}

  write(records: readonly InboundRecord<DoorEvent>[]): Promise<readonly WriteOutcome[]> {
    return this.store.append(records);
  }

  /** The tables an append writes, probed with a rolled-back insert (see `probeWrites`). */
  probe(): Promise<boolean> {
    return probeWrites(this.db, ["audit_events", "chain_heads", "consumer_offsets"]);
  }
}
