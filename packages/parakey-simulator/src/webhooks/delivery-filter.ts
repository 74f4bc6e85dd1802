/** The webhook settings that decide which event logs are sent at all. */
export interface DeliveryFilterSettings {
  /**
   * "Allowed offset in minutes" (newer name: "ignore old unlocks"): event logs whose
   * `createdAt − timestamp` exceeds it are not sent. Unbounded when absent (Parakey's default).
   */
  allowedOffsetMinutes?: number;
  /** Only these locks (Manual integrations). Every lock when absent or empty. */
  deviceIds?: readonly string[];
  /** Only these places (Partner integrations). Every place when absent or empty. */
  domainIds?: readonly string[];
}

export type FilterVerdict = "send" | "too_old" | "other_device" | "other_domain";

const idAt = (value: unknown): string | undefined => {
  if (typeof value !== "object" || value === null || !("id" in value)) return undefined;
  const id = value.id;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
};

/**
 * Whether a webhook sends an event log. An event log whose two timestamps cannot be read passes the
 * offset filter: the filter can only judge what it can measure.
 *
 * @example
 * deliveryVerdict(log, { allowedOffsetMinutes: 10 }); // "too_old" for a two-day-old offline upload
 */
export function deliveryVerdict(
  eventLog: Record<string, unknown>,
  settings: DeliveryFilterSettings,
): FilterVerdict {
  if (settings.deviceIds && settings.deviceIds.length > 0) {
    const deviceId = idAt(eventLog.device);
    if (deviceId === undefined || !settings.deviceIds.includes(deviceId)) return "other_device";
  }
  if (settings.domainIds && settings.domainIds.length > 0) {
    const domainId = idAt(eventLog.domain);
    if (domainId === undefined || !settings.domainIds.includes(domainId)) return "other_domain";
  }
  if (settings.allowedOffsetMinutes !== undefined) {
    const timestamp = typeof eventLog.timestamp === "string" ? Date.parse(eventLog.timestamp) : Number.NaN;
    const createdAt = typeof eventLog.createdAt === "string" ? Date.parse(eventLog.createdAt) : Number.NaN;
    if (createdAt - timestamp > settings.allowedOffsetMinutes * 60_000) return "too_old";
  }
  return "send";
}
