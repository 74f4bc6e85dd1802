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
import type { UsageQueries } from "./usage-store.js";

describe("the billing API's OpenAPI document", () => {
  it("is committed as generated in docs/openapi/billing.json (run `pnpm generate`)", () => {
    expect(committedOpenApiDocument("billing")).toBe(formatOpenApiDocument(openApiDocument()));
  });

  it("is served at /openapi.json without credentials and describes every route the app serves", async () => {
    const app = createApp({
      queries: untouchedDependency<UsageQueries>("UsageQueries"),
      clock: new ManualClock(),
      timeZones: ["UTC"],
      auth: testApiKeys({ operator: { roles: ["operator"] } }).settings,
      log: pino({ level: "silent" }),
    });
    const res = await app.request("/openapi.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(openApiDocument());
  });
});
