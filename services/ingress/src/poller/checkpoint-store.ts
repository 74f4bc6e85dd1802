import { type Kafka, readLatestByKey } from "@parakey-bridge/kafka";
import { BridgeError } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { EventSink } from "../event-sink.js";
import { decodeCheckpoint, encodeCheckpoint, type PollerCheckpoint } from "./checkpoint.js";

/** Where checkpoints live: the compacted poller-state topic in production, memory in unit tests. */
export interface CheckpointStore {
  /** The latest checkpoint under `key`; undefined when none was ever written (or it was deleted). */
  load(key: string): Promise<PollerCheckpoint | undefined>;
  /** Resolves once the checkpoint is durably stored (Kafka: acks=all). */
  save(key: string, checkpoint: PollerCheckpoint): Promise<void>;
}

/**
 * Checkpoints on the compacted poller-state topic (one partition, key = integration or backfill
 * key). `load` reads the topic to its end offset, so it sees every checkpoint acknowledged before
 * the call — including the last one of a replica that just died.
 *
 * @example
 * const store = new KafkaCheckpointStore({ kafka, sink: producer, topic: config.poller.stateTopic, log });
 * await store.save("acme", { etag, highWaterMark, readAt, lastSuccessAt });
 */
export class KafkaCheckpointStore implements CheckpointStore {
  constructor(private readonly deps: { kafka: Kafka; sink: EventSink; topic: string; log: Logger }) {}

  async load(key: string): Promise<PollerCheckpoint | undefined> {
    const latest = await readLatestByKey(this.deps.kafka, this.deps.topic, {
      log: this.deps.log,
      keep: (candidate) => candidate === key,
    });
    const decoded = decodeCheckpoint(latest.get(key));
    if (!decoded.ok) {
      // Starting afresh would silently skip history; an operator must look (or delete the key).
      throw new BridgeError("checkpoint_unreadable", `checkpoint ${key}: ${decoded.reason}`, {
        retryable: false,
      });
    }
    return decoded.checkpoint;
  }

  async save(key: string, checkpoint: PollerCheckpoint): Promise<void> {
    await this.deps.sink.send({ topic: this.deps.topic, key, value: encodeCheckpoint(checkpoint) });
  }
}
