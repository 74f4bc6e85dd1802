import { readdirSync, readFileSync } from "node:fs";
import { createRoute, z } from "@hono/zod-openapi";
import { Validator } from "@seriousme/openapi-schema-validator";
import { requestId } from "hono/request-id";
import { describe, expect, it } from "vitest";
import type { ErrorBody } from "./http-errors.js";
import { createErrorHandler } from "./http-errors.js";
import { createApiApp, errorResponses, openApiDocumentOf, serveOpenApi } from "./openapi.js";

const docsDir = new URL("../../../docs/openapi/", import.meta.url);
const config = { info: { title: "t", version: "1", description: "d" } };

/** A route with a path parameter, a query and a JSON body, each validated by its schema. */
function itemsApp() {
  const app = createApiApp();
  app.use(requestId());
  app.onError(createErrorHandler({ error: () => {} }));
  const route = createRoute({
    method: "post",
    path: "/items/{id}",
    request: {
      params: z.object({ id: z.string().regex(/^it_/) }),
      query: z.object({ limit: z.coerce.number().int().min(1).default(10) }).strict(),
      body: { required: true, content: { "application/json": { schema: z.object({ name: z.string() }) } } },
    },
    responses: {
      200: { description: "ok", content: { "application/json": { schema: z.object({ ok: z.boolean() }) } } },
      ...errorResponses("invalid_request"),
    },
  });
  app.openapi(route, (c) => c.json({ ok: c.req.valid("query").limit === 10 }, 200));
  serveOpenApi(app, config);
  return app;
}

const post = (app: ReturnType<typeof itemsApp>, path: string, body: string) =>
  app.request(path, { method: "POST", body, headers: { "content-type": "application/json" } });

describe("API apps validate with their OpenAPI route schemas", () => {
  it("passes valid input to the handler, with defaults applied", async () => {
    const res = await post(itemsApp(), "/items/it_1", JSON.stringify({ name: "a" }));
    expect([res.status, await res.json()]).toEqual([200, { ok: true }]);
  });

  it.each([
    ["a path parameter", "/items/x", '{"name":"a"}', "id: "],
    ["a query parameter", "/items/it_1?limit=0", '{"name":"a"}', "limit: "],
    ["an unknown query parameter", "/items/it_1?color=blue", '{"name":"a"}', 'Unrecognized key: "color"'],
    ["a body member", "/items/it_1", '{"name":1}', "name: "],
  ])(
    "answers invalid %s 400 invalid_request in the one error shape, naming it",
    async (_, path, body, named) => {
      const res = await post(itemsApp(), path, body);
      expect(res.status).toBe(400);
      const answer = (await res.json()) as ErrorBody;
      expect(answer.error.code).toBe("invalid_request");
      expect(answer.error.message).toContain(named);
      expect(answer.error.requestId).toBe(res.headers.get("x-request-id"));
    },
  );

  it("serves the document of its routes at /openapi.json, as OpenAPI 3.1", async () => {
    const app = itemsApp();
    const served = await (await app.request("/openapi.json")).json();
    expect(served).toEqual(openApiDocumentOf(app, config));
    expect(served).toMatchObject({ openapi: "3.1.0", paths: { "/items/{id}": { post: {} } } });
    const result = await new Validator().validate(served as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });
});

describe("the committed OpenAPI documents (docs/openapi)", () => {
  const files = readdirSync(docsDir).filter((name) => name.endsWith(".json"));

  it("cover every HTTP API of the bridge", () => {
    expect(files.sort()).toEqual([
      "audit.json",
      "billing.json",
      "checkin.json",
      "console.json",
      "ingress.json",
    ]);
  });

  it.each(files)("%s validates as OpenAPI 3.1 and names how to authenticate", async (name) => {
    const doc = JSON.parse(readFileSync(new URL(name, docsDir), "utf8")) as {
      openapi: string;
      components?: { securitySchemes?: Record<string, unknown> };
    };
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.components?.securitySchemes ?? {}).length).toBeGreaterThan(0);
  });
});
