import { consumerApi, type PersonalDataApiDeps } from "@parakey-bridge/consumer-service";
import type { ApiApp } from "@parakey-bridge/service-kit";
import type { ChainVerifier } from "./chain/verify.js";
import { getEventRoute, registerGetEvent } from "./routes/event.js";
import { listEventsRoute, registerListEvents } from "./routes/events.js";
import { registerVerify, verifyRoute } from "./routes/verify.js";
import type { AuditStore } from "./store/audit-store.js";

export interface AppDeps extends PersonalDataApiDeps {
  store: AuditStore;
  verifier: ChainVerifier;
  /** Who may call: any role reads; personal data needs `auditor`. */
  auth: PersonalDataApiDeps["auth"];
}

const api = consumerApi<AppDeps>({
  title: "parakey-bridge audit API",
  description:
    "Every stored event with its place in Kafka and in its domain's hash chain, chain verification, and who read personal data. Errors: docs/errors.md.",
  routes: [listEventsRoute, getEventRoute, verifyRoute],
  register: (app, deps) => {
    registerListEvents(app, deps);
    registerGetEvent(app, deps);
    registerVerify(app, deps.verifier);
  },
  accessLog: (deps) => deps.accessLog,
});

/**
 * The audit HTTP API: list and read stored events, verify a domain's hash chain, list who read
 * personal data. Every request authenticates (401), is rate-limited per principal (429) and sees only
 * the principal's domains; personal data is shown to auditors only, each read recorded in the access
 * log (`GET /v1/access-log`), and pseudonymised for everyone else. Errors answer in the project's
 * one error shape. `GET /openapi.json` (no credentials needed) is the API's OpenAPI 3.1 document;
 * every route validates its input with the zod schemas of that document.
 *
 * @example
 * const res = await createApp({ store, verifier, auth, accessLog, pseudonyms, log }).request(
 *   "/v1/events?domainId=dom_hq", { headers: { authorization: `Bearer ${token}` } });
 */
export const createApp: (deps: AppDeps) => ApiApp = api.app;

/**
 * The API's OpenAPI document, from the route definitions alone: what `/openapi.json` serves and
 * `pnpm generate` writes to docs/openapi/audit.json (a unit test fails when that file is stale).
 */
export const openApiDocument: () => object = api.document;
