import { itTakesTheConsumerServiceConfig } from "@parakey-bridge/consumer-service/testing";
import { configIssues } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";
import { billingTimeZones, loadBillingConfig } from "./config.js";

/** The development waiver: these tests are about other settings (API authentication is tested below). */
const devAuth = { AUTH_DISABLED: "true" };

describe("loadBillingConfig", () => {
  it("bills in UTC months unless a domain's zone is configured", () => {
    const config = loadBillingConfig({ ...devAuth, DOMAIN_TIME_ZONES: "dom_a=Europe/Stockholm" });
    const zones = billingTimeZones(config.timeZones);
    expect(zones.timeZoneOf("dom_a")).toBe("Europe/Stockholm");
    expect(zones.timeZoneOf("dom_b")).toBe("UTC");
    expect(zones.all).toEqual(["UTC", "Europe/Stockholm"]);
  });

  it("uses embedded PGlite when DATABASE_URL is absent or empty", () => {
    expect(loadBillingConfig(devAuth).database.url).toBeUndefined();
    expect(loadBillingConfig({ ...devAuth, DATABASE_URL: "" }).database.url).toBeUndefined();
    expect(
      loadBillingConfig({ ...devAuth, DATABASE_URL: "postgres://u@127.0.0.1:5432/db" }).database.url,
    ).toBe("postgres://u@127.0.0.1:5432/db");
  });

  it("refuses unknown time zones with a clear message, every one of them", () => {
    expect(
      configIssues(loadBillingConfig, {
        ...devAuth,
        DEFAULT_TIME_ZONE: "Mars/Base",
        DOMAIN_TIME_ZONES: "dom_a=America/NewYork",
      }),
    ).toEqual([
      'DEFAULT_TIME_ZONE: unknown IANA time zone "Mars/Base"',
      'DOMAIN_TIME_ZONES: dom_a: unknown IANA time zone "America/NewYork"',
    ]);
  });

  itTakesTheConsumerServiceConfig("billing", loadBillingConfig);
});
