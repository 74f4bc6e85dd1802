import type { DoorEvent } from "@parakey-bridge/contracts";
import type { Db } from "@parakey-bridge/storage";

// Billing's own test oracle (not part of the build): the meters counted without the service's code,
// and the meters as the database holds them. The harness (topics, database, service) is the testkit's.

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
