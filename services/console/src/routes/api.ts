import { createRoute, z } from "@hono/zod-openapi";
import {
  AUTH_ERRORS,
  type AuthenticatedEnv,
  type AuthSettings,
  assertDomainAllowed,
  authenticate,
  canSeeDomain,
  type Principal,
  principalOf,
  rateLimitPerPrincipal,
  requireAnyRole,
  requireRole,
} from "@parakey-bridge/auth";
import {
  type ApiApp,
  type Clock,
  createApiApp,
  documentRoutes,
  errorResponses,
  jsonResponses,
  NotFoundError,
} from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Console } from "../console.js";
import type { Operations } from "../operations.js";
import { parseRange } from "../reconcile/range.js";
import type { ReconcileReport } from "../reconcile/reconcile.js";
import type { ReportCache } from "../report-cache.js";

export interface ApiDeps {
  console: Console;
  operations: Operations;
  reports: ReportCache;
  auth: AuthSettings;
  clock: Clock;
  log: Logger;
}

const LocalDate = z.iso.date({ error: "expected a date YYYY-MM-DD" });
const Ids = z.array(z.string());

const Verdict = z.enum(["complete", "incomplete"]);
const ReconcileReportSchema = z
  .object({
    id: z.string(),
    domainId: z.string().nullable(),
    fromDate: z.iso.date(),
    toDate: z.iso.date(),
    days: z.array(
      z.object({
        domainId: z.string(),
        date: z.iso.date(),
        counts: z.record(z.string(), z.int()).describe("Ids held per place: parakey, topic and each sink."),
        missing: z.record(z.string(), Ids).describe("Per place, ids Parakey holds that it lacks."),
        unknown: z.record(z.string(), Ids).describe("Per place, ids it holds that Parakey does not know."),
        topicCopies: z.record(z.string(), z.int()).describe("Ids on the topic more than once."),
        verdict: Verdict,
      }),
    ),
    verdict: Verdict,
    malformedParakeyItems: z.int(),
    startedAt: z.iso.datetime(),
    completedAt: z.iso.datetime(),
  })
  .openapi("ReconcileReport");

const RepairResultSchema = z.object({ resent: Ids, notFound: Ids });

const RangeQuery = z.object({
  domain: z.string().min(1).optional().describe("One domain; every known domain when absent."),
  from: LocalDate,
  to: LocalDate.optional().describe("Inclusive; `from` when absent. At most 31 days, nothing after today."),
});

const RepairBody = z.union([
  z.object({ ids: z.array(z.string()).min(1).max(10_000) }).strict(),
  RangeQuery.strict(),
]);

const GroupParams = z.object({ group: z.string().min(1) });

const reconciliationRoute = createRoute({
  method: "get",
  path: "/reconciliation",
  summary: "Reconcile Parakey, the topic and every sink over a range of local days",
  request: { query: RangeQuery },
  responses: jsonResponses(
    "The report (only the principal's domains); also recorded in the audit ledger.",
    ReconcileReportSchema,
    ...AUTH_ERRORS,
    "invalid_request",
    "not_found",
    "kafka_unavailable",
  ),
});

const repairsRoute = createRoute({
  method: "post",
  path: "/repairs",
  summary: "Re-send missing events through the normal path (operator)",
  middleware: [requireRole("operator")] as const,
  request: {
    body: {
      required: true,
      description: "Either event log ids, or a range to reconcile and repair.",
      content: { "application/json": { schema: RepairBody } },
    },
  },
  responses: {
    200: {
      description: "What was re-sent (and, for a range, the reconciliation it repaired).",
      content: {
        "application/json": {
          schema: z.union([RepairResultSchema, RepairResultSchema.extend({ reconciliation: z.string() })]),
        },
      },
    },
    ...errorResponses(...AUTH_ERRORS, "invalid_request", "not_found", "kafka_unavailable"),
  },
});

const eventPathRoute = createRoute({
  method: "get",
  path: "/events/{id}/path",
  summary: "Where one event went: its copies on the topics and its rows in every sink",
  request: { params: z.object({ id: z.string() }) },
  responses: {
    200: {
      description: "The event's path.",
      content: {
        "application/json": {
          schema: z
            .object({
              eventLogId: z.string(),
              occurredAt: z.iso.datetime().nullable(),
              domainId: z.string().nullable(),
              traceIds: z.array(z.string()),
              copies: z.array(
                z.object({
                  topic: z.string(),
                  kind: z.enum(["event", "rejected", "dead-letter"]),
                  partition: z.int(),
                  offset: z.string(),
                  at: z.iso.datetime(),
                  via: z.string().nullable(),
                  traceId: z.string().nullable(),
                  reason: z.string().nullable(),
                }),
              ),
              sinks: z.array(z.looseObject({})),
            })
            .openapi("EventPath"),
        },
      },
    },
    ...errorResponses(...AUTH_ERRORS, "invalid_request", "not_found", "kafka_unavailable"),
  },
});

const groupStatusRoute = createRoute({
  method: "get",
  path: "/dead-letters/{group}",
  summary: "A consumer group's lag and dead letters",
  request: { params: GroupParams },
  responses: {
    200: {
      description: "The group's lag and its dead letters (the newest ones).",
      content: {
        "application/json": {
          schema: z.object({
            group: z.string(),
            lag: z.int().nullable(),
            deadLetters: z.array(z.looseObject({})),
            error: z.string().optional(),
          }),
        },
      },
    },
    ...errorResponses(...AUTH_ERRORS, "not_found", "kafka_unavailable"),
  },
});

const redriveRoute = createRoute({
  method: "post",
  path: "/dead-letters/{group}/redrive",
  summary: "Re-send a group's dead letters to it (operator)",
  middleware: [requireRole("operator")] as const,
  request: { params: GroupParams },
  responses: {
    200: {
      description: "How many records were re-sent.",
      content: { "application/json": { schema: z.object({ group: z.string(), redriven: z.int() }) } },
    },
    ...errorResponses(...AUTH_ERRORS, "not_found", "kafka_unavailable"),
  },
});

/** Every route of the JSON API, for the OpenAPI document. */
export const API_ROUTES = [reconciliationRoute, repairsRoute, eventPathRoute, groupStatusRoute, redriveRoute];

export function remember(deps: Pick<ApiDeps, "reports">, report: ReconcileReport): ReconcileReport {
  deps.reports.add(report);
  return report;
}

/** A report as a principal may see it: only the days of its domains. */
export function visible(report: ReconcileReport, principal: Principal): ReconcileReport {
  return { ...report, days: report.days.filter((d) => canSeeDomain(principal, d.domainId)) };
}

/**
 * The console's JSON API (mounted under /v1): Bearer token or API key like every API of the bridge;
 * any role reads, repair and redrive need `operator`. Query, path and body are validated by the
 * routes' OpenAPI schemas (400 `invalid_request`); ranges then by `parseRange` (at most 31 days,
 * nothing in the future), as the UI and the CLI do.
 */
export function apiRoutes(deps: ApiDeps): ApiApp<AuthenticatedEnv> {
  const api = createApiApp<AuthenticatedEnv>();
  api.use(authenticate(deps.auth, { log: deps.log }));
  api.use(rateLimitPerPrincipal({ limitPerMinute: deps.auth.rateLimitPerMinute }));
  api.use(requireAnyRole());

  api.openapi(reconciliationRoute, async (c) => {
    const range = parseRange(c.req.valid("query"), deps.clock.now());
    assertDomainAllowed(principalOf(c), range.domainId);
    const report = remember(deps, await deps.console.reconcile(range));
    return c.json(visible(report, principalOf(c)), 200);
  });

  api.openapi(repairsRoute, async (c) => {
    const body = c.req.valid("json");
    if ("ids" in body) return c.json(await deps.console.repairIds(body.ids), 200);
    const range = parseRange(body, deps.clock.now());
    assertDomainAllowed(principalOf(c), range.domainId);
    const { report, ...result } = await deps.console.repairRange(range);
    remember(deps, report);
    return c.json({ reconciliation: report.id, ...result }, 200);
  });

  api.openapi(eventPathRoute, async (c) => {
    const path = await deps.console.eventPath(c.req.valid("param").id);
    if (path.domainId !== null && !canSeeDomain(principalOf(c), path.domainId))
      throw new NotFoundError("no such event");
    return c.json(path, 200);
  });

  api.openapi(groupStatusRoute, async (c) => {
    const { group } = c.req.valid("param");
    if (!deps.operations.groups.includes(group)) throw new NotFoundError(`unknown group ${group}`);
    return c.json(await deps.operations.groupStatus(group), 200);
  });

  api.openapi(redriveRoute, async (c) => {
    const { group } = c.req.valid("param");
    if (!deps.operations.groups.includes(group)) throw new NotFoundError(`unknown group ${group}`);
    return c.json({ group, redriven: await deps.operations.redrive(group) }, 200);
  });
  return api;
}

/** The JSON API's route definitions alone (no handlers), for the committed OpenAPI document. */
export function apiDefinitions(): ApiApp {
  const api = createApiApp();
  documentRoutes(api, API_ROUTES);
  return api;
}
