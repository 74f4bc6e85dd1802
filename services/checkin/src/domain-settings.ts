/** Where the per-domain settings of the check-in service come from: config, with defaults. */
export interface DomainSettings {
  /** The IANA time zone that decides a domain's days. */
  timeZoneOf(domainId: string): string;
  /** How late (recordedAt − occurredAt) an unlock may be and still make a live check-in. */
  liveWindowMsOf(domainId: string): number;
}

export interface DomainSettingsConfig {
  defaultTimeZone: string;
  timeZones: Readonly<Record<string, string>>;
  liveWindowMs: number;
  liveWindowsMs: Readonly<Record<string, number>>;
}

/**
 * Per-domain settings from config: a domain not named gets the defaults (UTC, the global window).
 *
 * @example
 * const settings = domainSettings({ defaultTimeZone: "UTC", timeZones: { dom_a: "Europe/Stockholm" }, liveWindowMs: 600_000, liveWindowsMs: {} });
 * settings.timeZoneOf("dom_a"); // "Europe/Stockholm"
 */
export function domainSettings(config: DomainSettingsConfig): DomainSettings {
  return {
    timeZoneOf: (domainId) =>
      Object.hasOwn(config.timeZones, domainId)
        ? (config.timeZones[domainId] ?? config.defaultTimeZone)
        : config.defaultTimeZone,
    liveWindowMsOf: (domainId) =>
      Object.hasOwn(config.liveWindowsMs, domainId)
        ? (config.liveWindowsMs[domainId] ?? config.liveWindowMs)
        : config.liveWindowMs,
  };
}
