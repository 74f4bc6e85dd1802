import { type DoorEvent, normalizeEventLog } from "@parakey-bridge/contracts";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { createKafka, type Kafka } from "@parakey-bridge/kafka";
import type { Db } from "@parakey-bridge/storage";
import { testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";

// Helpers for the billing service's integration tests (not part of the build).

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
    { brokers: testKafkaBrokers(), clientId: uniqueName("billing-test"), ssl: false },
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

/** Independent meters, counted without the service's code: `${domain}|${period}` → figures. */
export function independentMeters(
  events: readonly DoorEvent[],
  utcOffsetMs: (domainId: string) => number,
): Map<string, { successfulUnlocks: number; activeUsers: number; activeDevices: number }> {
  const acc = new Map<string, { unlocks: number; users: Set<string>; devices: Set<string> }>();
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.eventLogId)) continue;
    seen.add(event.eventLogId);
    if (event.success !== true || event.domainId === null) continue;
    const month = new Date(Date.parse(event.occurredAt) + utcOffsetMs(event.domainId))
      .toISOString()
      .slice(0, 7);
    const key = `${event.domainId}|${month}`;
    const entry = acc.get(key) ?? { unlocks: 0, users: new Set(), devices: new Set() };
    entry.unlocks += 1;
    if (event.userId !== null) entry.users.add(event.userId);
    entry.devices.add(event.deviceId);
    acc.set(key, entry);
  }
  return new Map(
    [...acc].map(([key, e]) => [
      key,
      { successfulUnlocks: e.unlocks, activeUsers: e.users.size, activeDevices: e.devices.size },
    ]),
  );
}

/** The meters as the billing database holds them: `${domain}|${period}` → figures. */
export async function storedMeters(
  db: Pick<Db, "query">,
): Promise<Map<string, { successfulUnlocks: number; activeUsers: number; activeDevices: number }>> {
  const { rows } = await db.query<{
    domain_id: string;
    period: string;
    successful_unlocks: number;
    active_users: number;
    active_devices: number;
  }>(
    "SELECT domain_id, period, successful_unlocks::float8 AS successful_unlocks, active_users, active_devices FROM usage_meters",
  );
  return new Map(
    rows.map((r) => [
      `${r.domain_id}|${r.period}`,
      {
        successfulUnlocks: Number(r.successful_unlocks),
        activeUsers: Number(r.active_users),
        activeDevices: Number(r.active_devices),
      },
    ]),
  );
}
