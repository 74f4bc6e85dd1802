import { readFileSync } from "node:fs";
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
