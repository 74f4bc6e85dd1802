import { Counter, Gauge, type Registry } from "prom-client";

/** What streams counts (the transactional stream adds the bridge_stream_* ones). */
export interface DoorStreamsMetrics {
  /** Input records by outcome once their transaction committed: written, duplicate, dead_lettered. */
  records: Counter<"outcome">;
}

/**
 * Registers the streams metrics. `bridge_door_streams_seen_ids` asks the processors when
 * scraped: the dedupe state this replica holds in memory, the figure that grows with history.
 *
 * @example
 * const metrics = createDoorStreamsMetrics(registry, () => seenIds());
 */
export function createDoorStreamsMetrics(registry: Registry, seenIds: () => number): DoorStreamsMetrics {
  new Gauge({
    name: "bridge_door_streams_seen_ids",
    help: "Event log ids held in the dedupe state of this replica's partitions",
    registers: [registry],
    collect() {
      this.set(seenIds());
    },
  });
  return {
    records: new Counter({
      name: "bridge_door_streams_records_total",
      help: "Input records whose transaction committed, by outcome: written, duplicate, dead_lettered",
      labelNames: ["outcome"],
      registers: [registry],
    }),
  };
}
