import type { DoorEvent } from "@parakey-bridge/contracts";
import type { ConsumerSink, InboundRecord, WriteOutcome } from "@parakey-bridge/kafka";
import type { Db } from "@parakey-bridge/storage";
import type { AuditStore } from "./store/audit-store.js";

/** The audit store as the consumer runtime's sink. */
export class AuditSink implements ConsumerSink<DoorEvent> {
  readonly name = "audit-store";

  constructor(
    private readonly store: AuditStore,
    private readonly db: Db,
  ) {}

  write(records: readonly InboundRecord<DoorEvent>[]): Promise<readonly WriteOutcome[]> {
    return this.store.append(records);
  }

  probe(): Promise<boolean> {
    return this.db.probe();
  }
}
