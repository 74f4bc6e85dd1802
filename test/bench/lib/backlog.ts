import { type DoorEvent, doorEventHeaders, encodeDoorEvent } from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { type Kafka, type Message, Partitioners } from "kafkajs";

/** Command-line options (`parseArgs`) of a benchmark that drains a backlog, with what they default to. */
export const backlogOptions = {
  events: { type: "string", default: "1000000" },
  partitions: { type: "string", default: "6" },
  duplicates: { type: "string", default: "0.05" },
  devices: { type: "string", default: "500" },
  keep: { type: "boolean", default: false },
  "max-minutes": { type: "string", default: "60" },
} as const;

/** The shape of a backlog: how many events, over how many locks and domains, and how many delivered twice. */
export interface BacklogShape {
  events: number;
  devices: number;
  /** Events spread over this many domains; all in the fixture's one domain when undefined. */
  domains?: number;
  /** The share of events delivered a second time (webhook retry / poll overlap), 0..1. */
  duplicates: number;
  /** Headers added to event `index`'s record beside the DoorEvent's own (e.g. a traceparent). */
  extraHeaders?: (index: number) => Record<string, string>;
}

/** A DoorEvent as the ingress produces it, built without the zod pass (1M of them must be cheap). */
function doorEvent(index: number, base: number, shape: BacklogShape): DoorEvent {
  const timestamp = new Date(base + index * 10);
  const deviceId = `dev_${index % shape.devices}`;
  const domainId = shape.domains === undefined ? "dom_hq" : `dom_${index % shape.domains}`;
  const userId = `usr_${index % 997}`;
  const eventLog = eventLogFixture({ id: `el_bench_${index}`, deviceId, domainId, userId, timestamp });
  return {
    eventLogId: String(eventLog.id),
    deviceId,
    domainId,
    userId,
    success: true,
    occurredAt: timestamp.toISOString(),
    recordedAt: new Date(timestamp.getTime() + 1000).toISOString(),
    receivedAt: new Date(timestamp.getTime() + 1500).toISOString(),
    delayMs: 1000,
    via: "webhook",
    payloadVersion: "1.0",
    eventLog,
  };
}

/**
 * Produces the backlog to `topic` (which must exist), keyed by device as the ingress does, with a
 * deterministic share of events delivered twice; resolves with the number of records written.
 * Event `i` has the id `el_bench_<i>`.
 */
export async function produceBacklog(
  kafka: Kafka,
  topic: string,
  shape: BacklogShape,
  log: (line: string) => void,
): Promise<number> {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const base = Date.UTC(2026, 10, 1);
  let produced = 0;
  let batch: Message[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ topic, acks: 1, messages: batch });
    produced += batch.length;
    batch = [];
  };
  for (let i = 0; i < shape.events; i++) {
    const event = doorEvent(i, base, shape);
    const message = {
      key: event.deviceId,
      value: encodeDoorEvent(event),
      headers: { ...doorEventHeaders(event), ...shape.extraHeaders?.(i) },
    };
    batch.push(message);
    if ((i * 7919) % 1000 < shape.duplicates * 1000)
      batch.push({ ...message, value: encodeDoorEvent({ ...event, via: "poll" }) });
    if (batch.length >= 5_000) await flush();
    if (i > 0 && i % 200_000 === 0) log(`produced ${i} events`);
  }
  await flush();
  await producer.disconnect();
  return produced;
}
