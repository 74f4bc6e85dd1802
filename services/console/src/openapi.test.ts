import { testApiKeys } from "@parakey-bridge/auth/testing";
import { formatOpenApiDocument } from "@parakey-bridge/service-kit";
import {
  committedOpenApiDocument,
  ManualClock,
  untouchedDependency,
} from "@parakey-bridge/service-kit/testing";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { type AppDeps, createApp, openApiDocument } from "./app.js";

describe("the console API's OpenAPI document", () => {
  it("is committed as generated in docs/openapi/console.json (run `pnpm generate`)", () => {
    expect(committedOpenApiDocument("console")).toBe(formatOpenApiDocument(openApiDocument()));
  });

  it("is served at /openapi.json without credentials and describes every /v1 route", async () => {
    const app = createApp({
      console: untouchedDependency<AppDeps["console"]>("console"),
      operations: untouchedDependency<AppDeps["operations"]>("operations"),
      reports: untouchedDependency<AppDeps["reports"]>("reports"),
      sessions: untouchedDependency<AppDeps["sessions"]>("sessions"),
      auth: testApiKeys({ reader: { roles: ["reader"] } }).settings,
      clock: new ManualClock(),
      log: pino({ level: "silent" }),
    });
    const res = await app.request("/openapi.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(openApiDocument());
  });
});
