import { z } from "zod";

/**
 * Every assumption the project makes about Parakey's event-log payload lives in this file, so it can
 * change in one place when Parakey publishes more. Confirmed by Parakey's docs: `id`, `timestamp`
 * (the unlock, on the lock's clock) and `createdAt` (when Parakey received it). Everything else —
 * the field names of the domain, device, user and outcome — is inferred from public client code and
 * Parakey's vocabulary (Domain = place, Device = lock, EventConfiguration = the older name for a door).
 */

/** Payload API version the webhook was pinned to when it was created (Parakey's default). */
export const PARAKEY_PAYLOAD_VERSION = "1.0";

/** A nested reference such as `{ "id": "…", "name": "…" }`; extra fields are kept. */
const Reference = z.looseObject({ id: z.union([z.string(), z.number()]).optional() });

/**
 * A Parakey event log as received from a webhook or `GET /eventLogs` (payload API version 1.0).
 * Tolerant on purpose: only `id` is required, known fields are typed when present, and unknown fields
 * are preserved so the original can be stored and re-normalized later.
 *
 * @example
 * const log = ParakeyEventLog.parse({ id: "el_1", timestamp: "2026-11-23T08:00:00Z", extra: 1 });
 * log.extra; // 1 — preserved
 */
export const ParakeyEventLog = z.looseObject({
  id: z.union([z.string().min(1), z.number()]),
  timestamp: z.string().optional(),
  createdAt: z.string().optional(),
  domain: Reference.nullish(),
  domainId: z.union([z.string(), z.number()]).nullish(),
  device: Reference.nullish(),
  deviceId: z.union([z.string(), z.number()]).nullish(),
  eventConfiguration: Reference.nullish(),
  user: Reference.nullish(),
  userId: z.union([z.string(), z.number()]).nullish(),
  success: z.boolean().nullish(),
});
export type ParakeyEventLog = z.infer<typeof ParakeyEventLog>;

/**
 * The event log exactly as received, as carried inside a DoorEvent: only `id` is guaranteed, every
 * other field is whatever Parakey sent (a field of an unexpected type is kept, not typed).
 */
export const OriginalEventLog = z.looseObject({ id: z.union([z.string().min(1), z.number()]) });
export type OriginalEventLog = z.infer<typeof OriginalEventLog>;

const idOf = (value: unknown): string | undefined => {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
};

/** The lock: `device.id`, then `deviceId`, then `eventConfiguration.id` (the older name for a door). */
export function deviceIdOf(log: ParakeyEventLog): string | undefined {
  return idOf(log.device?.id) ?? idOf(log.deviceId) ?? idOf(log.eventConfiguration?.id);
}

/** The place: `domain.id`, then `domainId`. */
export function domainIdOf(log: ParakeyEventLog): string | undefined {
  return idOf(log.domain?.id) ?? idOf(log.domainId);
}

/** The person: `user.id`, then `userId`. Absent for failed or anonymised (retention-cleared) unlocks. */
export function userIdOf(log: ParakeyEventLog): string | undefined {
  return idOf(log.user?.id) ?? idOf(log.userId);
}

/** Whether the unlock succeeded, when the payload says. */
export function successOf(log: ParakeyEventLog): boolean | undefined {
  return log.success ?? undefined;
}

/**
 * Timestamps are ISO-8601 strings with a time zone (Z or an offset). A string without a zone would
 * be read in the bridge's local zone, which silently shifts events, so it is rejected instead.
 */
const IsoInstant = z.iso.datetime({ offset: true });

/** Parses an ISO-8601 instant; `undefined` when it is missing or not a valid instant. */
export function parseInstant(value: unknown): Date | undefined {
  if (!IsoInstant.safeParse(value).success) return undefined;
  const date = new Date(value as string);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
