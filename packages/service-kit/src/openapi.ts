import { OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { Env } from "hono";
import type { BlankEnv } from "hono/types";
import { ERROR_CODE_NAMES, ERROR_CODES, type ErrorCode } from "./error-codes.js";
import { ValidationError } from "./errors.js";

/** The one error body, as an OpenAPI component (`#/components/schemas/ErrorBody`). */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODE_NAMES).describe("One of the codes in docs/errors.md; it decides the status."),
      message: z.string().describe("For people; names every invalid field on a 400."),
      requestId: z.string().optional().describe("The answer's X-Request-Id."),
    }),
  })
  .openapi("ErrorBody");

/** An API app: Hono with OpenAPI route definitions (`app.openapi(route, handler)`). */
export type ApiApp<E extends Env = BlankEnv> = OpenAPIHono<E>;

/**
 * An OpenAPI-aware Hono app whose routes validate their query, path parameters and body with the
 * zod schemas of their OpenAPI definitions: a failure throws a `ValidationError` (400
 * `invalid_request`, every field named), answered by the app's `onError` in the one error shape.
 * The same definitions are the app's OpenAPI document (`serveOpenApi`).
 *
 * @example
 * const app = createApiApp();
 * app.openapi(dayCheckInsRoute, (c) => c.json(page(c.req.valid("query")), 200));
 */
export function createApiApp<E extends Env = BlankEnv>(options: { strict?: boolean } = {}): ApiApp<E> {
  return new OpenAPIHono<E>({
    strict: options.strict ?? true,
    defaultHook: (result) => {
      if (!result.success) throw ValidationError.ofZod(result.error);
    },
  });
}

/**
 * The error answers a route may give, grouped by status, each with the one error body; the
 * description names the codes (their statuses come from `ERROR_CODES`).
 *
 * @example
 * createRoute({ method: "get", path: "/v1/x", responses: { 200: ok, ...errorResponses("invalid_request", "forbidden") } });
 */
export function errorResponses(...codes: ErrorCode[]): RouteConfig["responses"] {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: RouteConfig["responses"] = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = {
      description: group.map((code) => `\`${code}\`: ${ERROR_CODES[code].meaning}`).join("\n\n"),
      content: { "application/json": { schema: ErrorBodySchema } },
    };
  }
  return responses;
}

/**
 * The answers of a route that reads: 200 with `schema` as JSON, and the error answers of `errors`
 * (see `errorResponses`).
 *
 * @example
 * createRoute({ method: "get", path: "/v1/x", responses: jsonResponses("The x.", X, "not_found") });
 */
export function jsonResponses<S extends z.ZodType>(description: string, schema: S, ...errors: ErrorCode[]) {
  return {
    200: { description, content: { "application/json": { schema } } },
    ...errorResponses(...errors),
  };
}

/**
 * Adds routes to an app's OpenAPI document without serving them: for a document built from the
 * definitions alone, or a route that reads its request itself (the webhook). Leaves out the route's
 * middleware and hidden routes, exactly as `app.openapi(route, handler)` does.
 *
 * @example
 * documentRoutes(app, [dayCheckInsRoute, userCheckInsRoute]);
 */
export function documentRoutes(app: Pick<ApiApp, "openAPIRegistry">, routes: readonly RouteConfig[]): void {
  for (const { middleware: _middleware, hide, ...route } of routes) {
    if (!hide) app.openAPIRegistry.registerPath(route);
  }
}

/** What an API document says about itself, and who may call it. */
export interface ApiDocumentConfig {
  info: { title: string; version: string; description: string };
  /** The security requirements of every operation (alternatives: any one suffices). */
  security?: Record<string, string[]>[];
}

/**
 * Serves the app's OpenAPI 3.1 document at `/openapi.json`, built from the definitions of the routes
 * registered on it (and on apps mounted under it). Register it before authentication: the document
 * describes the API, it reveals no data.
 *
 * @example
 * serveOpenApi(app, { info: { title: "Check-in API", version: "1", description: "…" }, security: API_SECURITY });
 */
export function serveOpenApi<E extends Env>(app: ApiApp<E>, config: ApiDocumentConfig): void {
  app.doc31("/openapi.json", { openapi: "3.1.0", ...config });
}

/**
 * The document of an app, as `/openapi.json` serves it: what `pnpm generate` writes to
 * docs/openapi/ (the app may hold route definitions only, with no handlers).
 *
 * @example
 * export const openApiDocument = () => openApiDocumentOf(definitionsOnlyApp(), config);
 */
export function openApiDocumentOf<E extends Env>(app: ApiApp<E>, config: ApiDocumentConfig): object {
  return app.getOpenAPI31Document({ openapi: "3.1.0", ...config });
}
