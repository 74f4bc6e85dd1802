import { testApiKeys } from "@parakey-bridge/auth/testing";
import {
  describeOpenApiDocument,
  ManualClock,
  untouchedDependency,
} from "@parakey-bridge/service-kit/testing";
import { pino } from "pino";
import { createApp, openApiDocument } from "./app.js";
import type { UsageQueries } from "./usage-store.js";

describeOpenApiDocument("the billing API", {
  file: "billing",
  generate: openApiDocument,
  app: () =>
    createApp({
      queries: untouchedDependency<UsageQueries>("UsageQueries"),
      clock: new ManualClock(),
      timeZones: ["UTC"],
      auth: testApiKeys({ operator: { roles: ["operator"] } }).settings,
      log: pino({ level: "silent" }),
    }),
});
