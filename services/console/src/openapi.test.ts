import { testApiKeys } from "@parakey-bridge/auth/testing";
import { formatOpenApiDocument } from "@parakey-bridge/service-kit";
import { committedOpenApiDocument, ManualClock } from "@parakey-bridge/service-kit/testing";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { type AppDeps, createApp, openApiDocument } from "./app.js";

/** A dependency the document route must never touch. */
const untouched = <T extends object>(): T =>
  new Proxy({} as T, {
    get: () => {
      throw new Error("/openapi.json used a dependency");
    },
  });

describe("the console API's OpenAPI document", () => {
  it("is committed as generated in docs/openapi/console.json (run `pnpm generate`)", () => {
    expect(committedOpenApiDocument("console")).toBe(formatOpenApiDocument(openApiDocument()));
  });

  it("is served at /openapi.json without credentials and describes every /v1 route", async () => {
    const app = createApp({
      console: untouched<AppDeps["console"]>(),
      operations: untouched<AppDeps["operations"]>(),
      reports: untouched<AppDeps["reports"]>(),
      sessions: untouched<AppDeps["sessions"]>(),
      auth: testApiKeys({ reader: { roles: ["reader"] } }).settings,
      clock: new ManualClock(),
      log: pino({ level: "silent" }),
    });
    const res = await app.request("/openapi.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(openApiDocument());
  });
});
