import { type OutgoingRecord, RecordTooLargeError } from "@parakey-bridge/kafka";
import { UnavailableError } from "@parakey-bridge/service-kit";
import type { EventSink } from "../event-sink.js";

/**
 * An in-memory EventSink for unit tests: keeps what was "stored", can be told to fail like an
 * unreachable broker, or to hold every send until released (to test concurrency).
 */
export class MemorySink implements EventSink {
  readonly records: OutgoingRecord[] = [];
  sends = 0;
  private failure: Error | undefined;
  private failing: ((record: OutgoingRecord) => boolean) | undefined;
  private held: (() => void)[] | undefined;
  private readonly maxValueBytes = new Map<string, number>();

  async send(records: OutgoingRecord | OutgoingRecord[]): Promise<void> {
    this.sends += 1;
    const list = Array.isArray(records) ? records : [records];
    if (this.held) await new Promise<void>((resolve) => this.held?.push(resolve));
    if (this.failure) throw this.failure;
    if (this.failing && list.some(this.failing)) {
      throw new UnavailableError("kafka_unavailable", "Kafka did not store the record");
    }
    for (const record of list) {
      const max = this.maxValueBytes.get(record.topic);
      if (max !== undefined && record.value.byteLength > max) {
        throw new RecordTooLargeError(record.topic, record.value.byteLength, max);
      }
    }
    this.records.push(...list);
  }

  /** Records on `topic` with a value over `maxBytes` fail as a broker's `max.message.bytes` fails them. */
  limitTopic(topic: string, maxBytes: number): void {
    this.maxValueBytes.set(topic, maxBytes);
  }

  /** Every send fails (default: like Kafka not acknowledging within the budget). */
  failWith(error: Error = new UnavailableError("kafka_unavailable", "Kafka did not store the record")): void {
    this.failure = error;
  }

  /** Sends holding a record that matches fail like an unreachable broker (`undefined`: none). */
  failWhen(matches: ((record: OutgoingRecord) => boolean) | undefined): void {
    this.failing = matches;
  }

  recover(): void {
    this.failure = undefined;
  }

  /** Sends wait until `release()`. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const resolve of waiting) resolve();
  }

  on(topic: string): OutgoingRecord[] {
    return this.records.filter((record) => record.topic === topic);
  }
}
