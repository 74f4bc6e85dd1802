import { AccessLog, Pseudonymiser } from "@parakey-bridge/auth";
import { testApiKeys } from "@parakey-bridge/auth/testing";
import { formatOpenApiDocument } from "@parakey-bridge/service-kit";
import {
  committedOpenApiDocument,
  ManualClock,
  untouchedDependency,
} from "@parakey-bridge/service-kit/testing";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createApp, openApiDocument } from "./app.js";
import type { CheckInQueries } from "./check-in-store.js";
import { domainSettings } from "./domain-settings.js";

describe("the check-in API's OpenAPI document", () => {
  it("is committed as generated in docs/openapi/checkin.json (run `pnpm generate`)", () => {
    expect(committedOpenApiDocument("checkin")).toBe(formatOpenApiDocument(openApiDocument()));
  });

  it("is served at /openapi.json without credentials and describes every route the app serves", async () => {
    const keys = testApiKeys({ reader: { roles: ["reader"] } });
    const app = createApp({
      queries: untouchedDependency<CheckInQueries>("CheckInQueries"),
      settings: domainSettings({ defaultTimeZone: "UTC", timeZones: {}, liveWindowMs: 1, liveWindowsMs: {} }),
      auth: keys.settings,
      accessLog: new AccessLog(untouchedDependency("db"), new ManualClock()),
      pseudonyms: new Pseudonymiser(keys.settings.pseudonymKey),
      log: pino({ level: "silent" }),
    });
    const res = await app.request("/openapi.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(openApiDocument());
  });
});
