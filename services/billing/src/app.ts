import {
  type ConsumerApiDeps,
  type ConsumerApiInfo,
  consumerApiApp,
  consumerApiDocument,
} from "@parakey-bridge/consumer-service";
import type { ApiApp, Clock } from "@parakey-bridge/service-kit";
import { closePeriodRoute, registerClosePeriod } from "./routes/close-period.js";
import { domainUsageRoute, registerDomainUsage } from "./routes/domain-usage.js";
import { registerUsageExport, usageExportRoute } from "./routes/usage-export.js";
import type { UsageQueries } from "./usage-store.js";

const API_INFO: ConsumerApiInfo = {
  title: "parakey-bridge billing API",
  description:
    "Usage per domain and month (successful unlocks, active users and devices), the month's CSV export, and closing a month. Errors: docs/errors.md.",
};

export interface AppDeps extends ConsumerApiDeps {
  queries: UsageQueries;
  clock: Clock;
  /** Every zone billed in: a period closes only once it has ended in all of them. */
  timeZones: readonly string[];
  /** Who may call: every route needs a principal with a role; closing a period needs `operator`. */
  auth: ConsumerApiDeps["auth"];
  onPeriodClosed?: () => void;
}

/**
 * The billing HTTP API: a domain's usage of a month (JSON), every domain's usage of a month (CSV),
 * closing a month. Every request authenticates (401 otherwise), is rate-limited per principal (429)
 * and sees only the principal's domains (403 for another's). Errors answer the one JSON shape
 * `{ "error": { "code", "message", "requestId" } }`. `GET /openapi.json` (no credentials needed) is
 * the API's OpenAPI 3.1 document; every route validates its input with the zod schemas of that document.
 *
 * @example
 * const app = createApp({ queries: store, clock: systemClock, timeZones: ["UTC"], auth, log });
 * await app.request("/v1/periods/2026-01/close", { method: "POST", headers: { authorization: `Bearer ${key}` } });
 */
export function createApp(deps: AppDeps): ApiApp {
  return consumerApiApp(
    API_INFO,
    deps,
    (app) => {
      registerDomainUsage(app, deps.queries);
      registerUsageExport(app, deps.queries);
      registerClosePeriod(app, {
        queries: deps.queries,
        clock: deps.clock,
        timeZones: deps.timeZones,
        ...(deps.onPeriodClosed ? { onClosed: deps.onPeriodClosed } : {}),
      });
    },
    { strict: false },
  );
}

/**
 * The API's OpenAPI document, from the route definitions alone: what `/openapi.json` serves and
 * `pnpm generate` writes to docs/openapi/billing.json (a unit test fails when that file is stale).
 */
export function openApiDocument(): object {
  return consumerApiDocument(API_INFO, [domainUsageRoute, usageExportRoute, closePeriodRoute]);
}
