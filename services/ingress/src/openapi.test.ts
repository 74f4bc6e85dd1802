import { formatOpenApiDocument } from "@parakey-bridge/service-kit";
import { committedOpenApiDocument } from "@parakey-bridge/service-kit/testing";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "./app.js";
import { testApp } from "./testing/fixtures.js";

interface Document {
  paths: Record<string, unknown>;
  components: { securitySchemes: Record<string, { name?: string }> };
}

describe("the webhook's OpenAPI document", () => {
  it("is committed as generated in docs/openapi/ingress.json (run `pnpm generate`)", () => {
    expect(committedOpenApiDocument("ingress")).toBe(formatOpenApiDocument(openApiDocument()));
  });

  it("is served at /openapi.json without credentials, producing nothing", async () => {
    const { app, sink } = testApp();
    const res = await app.request("/openapi.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(openApiDocument());
    expect(sink.records).toHaveLength(0);
  });

  it("describes the configured webhook path and secret header", async () => {
    const { app } = testApp({
      path: "/hooks/parakey",
      auth: { basic: [], secretHeader: "x-shared", secrets: ["0123456789abcdef"], insecureNoAuth: false },
    });
    const doc = (await (await app.request("/openapi.json")).json()) as Document;
    expect(Object.keys(doc.paths)).toEqual(["/hooks/parakey"]);
    expect(doc.components.securitySchemes.webhookSecret?.name).toBe("x-shared");
  });
});
