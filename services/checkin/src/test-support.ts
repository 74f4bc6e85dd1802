import { type DoorEvent, normalizeEventLog } from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { createKafka, type Kafka } from "@parakey-bridge/kafka";
import { testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";

// Helpers for the check-in service's integration tests (not part of the build).

export { doorEventRecord } from "@parakey-bridge/contracts";
export { produceAll as produce } from "@parakey-bridge/kafka/testing";
export {
  caughtUp,
  createTopic,
  deleteTopics,
  metricValue,
  topicSize,
  waitUntil,
} from "@parakey-bridge/testkit";

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

export function testKafka(): Kafka {
  return createKafka(
    { brokers: testKafkaBrokers(), clientId: uniqueName("checkin-test"), ssl: false },
    silentLog,
  );
}

/** A DoorEvent exactly as the ingress produces it, from a realistic Parakey payload. */
export function doorEvent(options: {
  id: string;
  domainId: string;
  userId: string | null;
  deviceId: string;
  success: boolean;
  occurredAt: string;
  delayMs?: number;
}): DoorEvent {
  const timestamp = new Date(options.occurredAt);
  const createdAt = new Date(timestamp.getTime() + (options.delayMs ?? 1_500));
  const result = normalizeEventLog(
    eventLogFixture({
      id: options.id,
      domainId: options.domainId,
      userId: options.userId,
      deviceId: options.deviceId,
      success: options.success,
      timestamp,
      createdAt,
    }),
    { via: "webhook", receivedAt: new Date(createdAt.getTime() + 200) },
  );
  if (!result.ok) throw new Error(result.rejection.detail);
  return result.event;
}
