import { configIssues } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";
import { loadIngressConfig } from "../config.js";

const base = { WEBHOOK_INSECURE_NO_AUTH: "true" };

const issuesOf = (env: Record<string, string>) => configIssues(loadIngressConfig, { ...base, ...env });

describe("poller configuration", () => {
  it("is off by default, with Parakey's recommended 5-minute interval and a few minutes of overlap", () => {
    const { poller } = loadIngressConfig(base);
    expect(poller).toMatchObject({
      enabled: false,
      apiUrl: "https://api.parakey.co",
      integrations: [],
      intervalMs: 300_000,
      overlapMs: 300_000,
      pageSize: 100,
      stateTopic: "parakey-bridge.poller-state",
    });
  });

  it("reads one integration per name=token pair", () => {
    const { poller } = loadIngressConfig({
      ...base,
      POLLER_ENABLED: "true",
      PARAKEY_API_TOKENS: "acme=tok-1, north.site=tok=2",
      POLL_START_DATE: "2026-11-01T00:00:00+01:00",
    });
    expect(poller.integrations).toEqual([
      { name: "acme", token: "tok-1" },
      { name: "north.site", token: "tok=2" },
    ]);
    expect(poller.startDate).toEqual(new Date("2026-10-31T23:00:00Z"));
  });

  it("refuses an interval below 60 s", () => {
    expect(issuesOf({ POLL_INTERVAL_MS: "59999" }).join("\n")).toMatch(/^POLL_INTERVAL_MS: /m);
    expect(loadIngressConfig({ ...base, POLL_INTERVAL_MS: "60000" }).poller.intervalMs).toBe(60_000);
  });

  it("wants tokens when the poller is on, and names fit for a consumer group and a metric label", () => {
    expect(issuesOf({ POLLER_ENABLED: "true" }).join("\n")).toMatch(/PARAKEY_API_TOKENS: required/);
    expect(issuesOf({ PARAKEY_API_TOKENS: "Bad Name=t" }).join("\n")).toMatch(
      /PARAKEY_API_TOKENS: .*"Bad Name"/,
    );
  });

  it("never echoes a token in an error", () => {
    const issues = issuesOf({ PARAKEY_API_TOKENS: "Bad Name=super-secret-token", POLL_START_DATE: "soon" });
    expect(issues.join("\n")).not.toContain("super-secret-token");
    expect(issues.join("\n")).toMatch(/POLL_START_DATE: expected an ISO-8601 instant/);
  });
});
