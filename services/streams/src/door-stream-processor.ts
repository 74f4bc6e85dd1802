import {
  anonymizeDoorEvent,
  anonymousDoorEventHeaders,
  decodeDoorEvent,
  doorEventHeaders,
  encodeAnonymousDoorEvent,
} from "@parakey-bridge/contracts";
import {
  deadLetterHeaders,
  deadLetterTopic,
  type OutgoingRecord,
  type PartitionProcessor,
  type ProcessedChunk,
  type StateEntry,
  type StreamRecord,
} from "@parakey-bridge/kafka";
import type { Clock } from "@parakey-bridge/service-kit";
import type { DoorStreamsMetrics } from "./metrics.js";

/** The state topic's value for a seen id: any non-null value (null would be a tombstone). */
const SEEN = Buffer.from("1");

export interface DoorStreamTopics {
  /** Where the input was read (named in dead-letter headers). */
  eventLogs: string;
  doorEvents: string;
  anonymous: string;
}

export interface DoorStreamProcessorOptions {
  partition: number;
  group: string;
  topics: DoorStreamTopics;
  pseudonymOf: (userId: string) => string;
  metrics: DoorStreamsMetrics;
  clock: Clock;
}

/**
 * The dedupe of one input partition: an event log id is written to the deduplicated and the
 * anonymous topic the first time it is seen, never again — whether it comes back as a webhook retry,
 * a poll overlap, a replay of the input or a backfill of old history. The ids already written are
 * the partition's state: kept in memory, and written to the state topic in the same transaction as
 * the output, so a restart, a rebalance or a killed replica restores exactly the ids whose output
 * committed.
 *
 * Duplicates of one id share an input partition because the input is keyed by device and every
 * delivery of an event log names the same lock. A record that is not a DoorEvent v1 goes to the
 * group's dead-letter topic in the same transaction.
 *
 * @example
 * const processor = new DoorStreamProcessor({ partition: 0, group, topics, pseudonymOf, metrics, clock });
 */
export class DoorStreamProcessor implements PartitionProcessor {
  private readonly seen = new Set<string>();

  constructor(private readonly options: DoorStreamProcessorOptions) {}

  /** Ids held in memory. */
  get size(): number {
    return this.seen.size;
  }

  restore(key: string, value: Buffer | null): void {
    if (value === null) this.seen.delete(key);
    else this.seen.add(key);
  }

  process(records: readonly StreamRecord[]): ProcessedChunk {
    const { topics, pseudonymOf } = this.options;
    const output: OutgoingRecord[] = [];
    const state: StateEntry[] = [];
    const fresh = new Set<string>();
    let duplicates = 0;
    let deadLettered = 0;
    for (const record of records) {
      const decoded = decodeDoorEvent(record.value);
      if (!decoded.ok) {
        deadLettered += 1;
        output.push(this.deadLetter(record, decoded.reason));
        continue;
      }
      const event = decoded.value;
      if (this.seen.has(event.eventLogId) || fresh.has(event.eventLogId)) {
        duplicates += 1;
        continue;
      }
      fresh.add(event.eventLogId);
      // The value passes through byte for byte: it already is a valid DoorEvent v1.
      output.push({
        topic: topics.doorEvents,
        key: event.deviceId,
        value: record.value as Buffer,
        headers: withTrace(doorEventHeaders(event), record.headers),
      });
      const anonymous = anonymizeDoorEvent(event, pseudonymOf);
      output.push({
        topic: topics.anonymous,
        key: anonymous.deviceId,
        value: encodeAnonymousDoorEvent(anonymous),
        headers: withTrace(anonymousDoorEventHeaders(anonymous), record.headers),
      });
      state.push({ key: event.eventLogId, value: SEEN });
    }
    return {
      output,
      state,
      committed: () => {
        for (const id of fresh) this.seen.add(id);
        const { records: counter } = this.options.metrics;
        counter.inc({ outcome: "written" }, fresh.size);
        if (duplicates > 0) counter.inc({ outcome: "duplicate" }, duplicates);
        if (deadLettered > 0) counter.inc({ outcome: "dead_lettered" }, deadLettered);
      },
    };
  }

  private deadLetter(record: StreamRecord, reason: string): OutgoingRecord {
    const headers = deadLetterHeaders(
      record.headers,
      this.options.group,
      {
        topic: this.options.topics.eventLogs,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp,
      },
      { code: "contract_violation", message: reason, attempts: 1 },
      this.options.clock.now(),
    );
    return {
      topic: deadLetterTopic(this.options.group),
      key: record.key,
      value: record.value ?? Buffer.alloc(0),
      headers,
    };
  }
}

/** Only the trace context travels from the input record's headers: nothing else is copied. */
function withTrace(headers: Record<string, string>, input: Record<string, string>): Record<string, string> {
  const traceparent = input.traceparent;
  return traceparent === undefined ? headers : { ...headers, traceparent };
}
