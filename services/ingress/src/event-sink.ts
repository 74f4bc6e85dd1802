import type { OutgoingRecord } from "@parakey-bridge/kafka";

/**
 * Where accepted and rejected event logs go. `send` resolves only once every record is durably
 * stored (Kafka: acknowledged with acks=all) and rejects when that did not happen within the produce
 * budget. The `BatchingProducer` of @parakey-bridge/kafka is one; unit tests use an in-memory sink.
 */
export interface EventSink {
  send(records: OutgoingRecord | OutgoingRecord[]): Promise<void>;
}
