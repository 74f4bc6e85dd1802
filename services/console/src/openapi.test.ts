import { testApiKeys } from "@parakey-bridge/auth/testing";
import {
  describeOpenApiDocument,
  ManualClock,
  untouchedDependency,
} from "@parakey-bridge/service-kit/testing";
import { pino } from "pino";
import { type AppDeps, createApp, openApiDocument } from "./app.js";

describeOpenApiDocument("the console API", {
  file: "console",
  generate: openApiDocument,
  describes: "every /v1 route",
  app: () =>
    createApp({
      console: untouchedDependency<AppDeps["console"]>("console"),
      operations: untouchedDependency<AppDeps["operations"]>("operations"),
      reports: untouchedDependency<AppDeps["reports"]>("reports"),
      sessions: untouchedDependency<AppDeps["sessions"]>("sessions"),
      auth: testApiKeys({ reader: { roles: ["reader"] } }).settings,
      clock: new ManualClock(),
      log: pino({ level: "silent" }),
    }),
});
