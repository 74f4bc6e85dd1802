import { randomUUID } from "node:crypto";
import type { OriginalEventLog } from "./parakey-event-log.js";

export interface EventLogFixtureOptions {
  id?: string;
  deviceId?: string;
  domainId?: string;
  userId?: string | null;
  success?: boolean;
  /** The unlock. */
  timestamp?: Date;
  /** When Parakey received it; defaults to one second after the unlock. */
  createdAt?: Date;
}

/**
 * A realistic Parakey event log payload (the shape the webhook posts), for tests and benchmarks.
 *
 * @example
 * const body = eventLogFixture({ deviceId: "lock-1", timestamp: new Date("2026-11-23T08:00:00Z") });
 */
export function eventLogFixture(
  options: EventLogFixtureOptions = {},
): OriginalEventLog & Record<string, unknown> {
  const timestamp = options.timestamp ?? new Date();
  const createdAt = options.createdAt ?? new Date(timestamp.getTime() + 1000);
  const deviceId = options.deviceId ?? "dev_front_door";
  const domainId = options.domainId ?? "dom_hq";
  const userId = options.userId === undefined ? "usr_ada" : options.userId;
  return {
    id: options.id ?? `el_${randomUUID()}`,
    timestamp: timestamp.toISOString(),
    createdAt: createdAt.toISOString(),
    success: options.success ?? true,
    domain: { id: domainId, name: "Headquarters" },
    device: { id: deviceId, name: "Front door", type: "lock" },
    user: userId === null ? null : { id: userId, name: "Ada Lovelace", email: "ada@example.com" },
    accessKey: { id: "ak_1", access: { id: "acc_staff", name: "Staff" } },
    method: "app",
  };
}
