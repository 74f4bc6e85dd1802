import { consumerApi, type PersonalDataApiDeps } from "@parakey-bridge/consumer-service";
import type { ApiApp } from "@parakey-bridge/service-kit";
import type { CheckInQueries } from "./check-in-store.js";
import type { DomainSettings } from "./domain-settings.js";
import { dayCheckInsRoute, registerDayCheckIns } from "./routes/day-check-ins.js";
import { registerUserCheckIns, userCheckInsRoute } from "./routes/user-check-ins.js";

export interface AppDeps extends PersonalDataApiDeps {
  queries: CheckInQueries;
  settings: DomainSettings;
  /** Who may call: any role reads a domain's day (people pseudonymised); a person's ids need `auditor`. */
  auth: PersonalDataApiDeps["auth"];
}

const api = consumerApi<AppDeps>({
  title: "parakey-bridge check-in API",
  description:
    "Check-ins (a person's first successful unlock in a domain on a local day) by domain and day, or by person (auditors), and who read personal data. Errors: docs/errors.md.",
  routes: [dayCheckInsRoute, userCheckInsRoute],
  register: (app, deps) => {
    registerDayCheckIns(app, deps);
    registerUserCheckIns(app, deps);
  },
  accessLog: (deps) => deps.accessLog,
  strict: false,
});

/**
 * The check-in read API. Every request authenticates (401), is rate-limited per principal (429) and
 * sees only the principal's domains (403); people are shown by id to auditors only (each read
 * recorded, `GET /v1/access-log`), by pseudonym to everyone else. Every error answers the one JSON
 * shape `{ "error": { "code", "message", "requestId" } }`: bad input 400, unknown path 404, database
 * down 503. `GET /openapi.json` (no credentials needed) is the API's OpenAPI 3.1 document; every
 * route validates its input with the zod schemas of that document.
 *
 * @example
 * const app = createApp({ queries: store, settings, auth, accessLog, pseudonyms, log });
 * await app.request("/v1/domains/dom_hq/check-ins?date=2026-11-23", { headers: { authorization: `Bearer ${key}` } });
 */
export const createApp: (deps: AppDeps) => ApiApp = api.app;

/**
 * The API's OpenAPI document, from the route definitions alone: what `/openapi.json` serves and
 * `pnpm generate` writes to docs/openapi/checkin.json (a unit test fails when that file is stale).
 */
export const openApiDocument: () => object = api.document;
