import { itTakesTheConsumerServiceConfig } from "@parakey-bridge/consumer-service/testing";
import { configIssues, itReadsConfig } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";
import { loadCheckInConfig } from "./config.js";

/** The development waiver: these tests are about other settings (API authentication is tested below). */
const devAuth = { AUTH_DISABLED: "true" };

describe("loadCheckInConfig", () => {
  it("defaults to UTC days and a ten-minute live window", () => {
    const config = loadCheckInConfig(devAuth);
    expect(config.domains).toEqual({
      defaultTimeZone: "UTC",
      timeZones: {},
      liveWindowMs: 600_000,
      liveWindowsMs: {},
    });
    expect(config.database.url).toBeUndefined();
    expect(config.topics).toEqual({ eventLogs: "parakey.event-logs.v1", checkIns: "parakey.checkins.v1" });
  });

  it("stores one partition at a time unless CONSUMER_CONCURRENCY asks for more", () => {
    expect(loadCheckInConfig(devAuth).consumer.concurrency).toBe(1);
    expect(loadCheckInConfig({ ...devAuth, CONSUMER_CONCURRENCY: "2" }).consumer.concurrency).toBe(2);
  });

  itReadsConfig(loadCheckInConfig, [
    {
      name: "reads per-domain time zones and live windows",
      env: {
        ...devAuth,
        DOMAIN_TIME_ZONES: "dom_a=Europe/Stockholm,dom_b=America/New_York",
        LIVE_WINDOW_MS: "300000",
        DOMAIN_LIVE_WINDOWS_MS: "dom_a=0",
      },
      reads: {
        domains: {
          timeZones: { dom_a: "Europe/Stockholm", dom_b: "America/New_York" },
          liveWindowMs: 300_000,
          liveWindowsMs: { dom_a: 0 },
        },
      },
    },
  ]);

  it("refuses an unknown time zone, naming the domain and the zone", () => {
    const issues = configIssues(loadCheckInConfig, {
      ...devAuth,
      DOMAIN_TIME_ZONES: "dom_a=Europe/Stokholm",
      DOMAIN_LIVE_WINDOWS_MS: "dom_b=soon",
    });
    expect(issues).toEqual([
      expect.stringMatching(/^DOMAIN_TIME_ZONES: dom_a: unknown IANA time zone "Europe\/Stokholm"/),
      expect.stringMatching(/^DOMAIN_LIVE_WINDOWS_MS: dom_b: /),
    ]);
  });

  itTakesTheConsumerServiceConfig("checkin", loadCheckInConfig);
});
