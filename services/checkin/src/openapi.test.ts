import { AccessLog, Pseudonymiser } from "@parakey-bridge/auth";
import { testApiKeys } from "@parakey-bridge/auth/testing";
import {
  describeOpenApiDocument,
  ManualClock,
  untouchedDependency,
} from "@parakey-bridge/service-kit/testing";
import { pino } from "pino";
import { createApp, openApiDocument } from "./app.js";
import type { CheckInQueries } from "./check-in-store.js";
import { domainSettings } from "./domain-settings.js";

describeOpenApiDocument("the check-in API", {
  file: "checkin",
  generate: openApiDocument,
  app: () => {
    const keys = testApiKeys({ reader: { roles: ["reader"] } });
    return createApp({
      queries: untouchedDependency<CheckInQueries>("CheckInQueries"),
      settings: domainSettings({ defaultTimeZone: "UTC", timeZones: {}, liveWindowMs: 1, liveWindowsMs: {} }),
      auth: keys.settings,
      accessLog: new AccessLog(untouchedDependency("db"), new ManualClock()),
      pseudonyms: new Pseudonymiser(keys.settings.pseudonymKey),
      log: pino({ level: "silent" }),
    });
  },
});
