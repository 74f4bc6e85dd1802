import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatOpenApiDocument } from "./api-docs.js";
import type { Clock } from "./clock.js";

/**
 * A clock tests move by hand.
 *
 * @example
 * const clock = new ManualClock(new Date("2026-11-23T08:00:00Z"));
 * clock.advance(60_000);
 */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date = new Date("2026-11-23T08:00:00.000Z")) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  nowMs(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(date: Date): void {
    this.current = date.getTime();
  }
}

/**
 * The committed text of docs/openapi/<name>.json, for a test that the document a service generates
 * is the one in the repository (so a route change without `pnpm generate` fails CI).
 *
 * @example
 * expect(committedOpenApiDocument("checkin")).toBe(formatOpenApiDocument(openApiDocument()));
 */
export function committedOpenApiDocument(name: string): string {
  // src/ and dist/ sit at the same depth: packages/service-kit/<src|dist>/testing.*
  return readFileSync(new URL(`../../../docs/openapi/${name}.json`, import.meta.url), "utf8");
}

/**
 * A dependency a test proves is never used: any property read throws. For an app built only to ask
 * what needs none of its dependencies (its `/openapi.json`).
 *
 * @example
 * createApp({ queries: untouchedDependency<CheckInQueries>("queries"), ... }).request("/openapi.json");
 */
export function untouchedDependency<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      throw new Error(`${name}.${String(property)} was used`);
    },
  });
}

/** What `describeOpenApiDocument` checks one HTTP service's document against. */
export interface OpenApiDocumentSubject {
  /** The committed file's name: docs/openapi/<file>.json. */
  file: string;
  /** The document the service generates from its routes' zod schemas. */
  generate: () => object;
  /** The app as it serves requests, built with dependencies the document must not touch. */
  app: () => { request(path: string): Response | Promise<Response> };
  /** Which routes the served document describes ("every route the app serves" unless told). */
  describes?: string;
}

/**
 * The tests every HTTP service's OpenAPI document passes: the committed docs/openapi/<file>.json is
 * the generated one (so a route change without `pnpm generate` fails CI), and the app serves that
 * same document at /openapi.json to a caller without credentials.
 *
 * @example
 * describeOpenApiDocument("the billing API", {
 *   file: "billing",
 *   generate: openApiDocument,
 *   app: () => createApp({ queries: untouchedDependency<UsageQueries>("UsageQueries"), ... }),
 * });
 */
export function describeOpenApiDocument(subject: string, document: OpenApiDocumentSubject): void {
  describe(`${subject}'s OpenAPI document`, () => {
    it(`is committed as generated in docs/openapi/${document.file}.json (run \`pnpm generate\`)`, () => {
      expect(committedOpenApiDocument(document.file)).toBe(formatOpenApiDocument(document.generate()));
    });

    it(`is served at /openapi.json without credentials and describes ${document.describes ?? "every route the app serves"}`, async () => {
      const res = await document.app().request("/openapi.json");
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(document.generate());
    });
  });
}
