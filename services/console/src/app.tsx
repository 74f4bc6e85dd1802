import {
  API_SECURITY,
  type AuthenticatedEnv,
  type AuthSettings,
  assertDomainAllowed,
  canSeeDomain,
  documentApiSecurity,
  ForbiddenError,
  hasRole,
  principalOf,
} from "@parakey-bridge/auth";
import {
  type ApiApp,
  type ApiDocumentConfig,
  BridgeError,
  type Clock,
  createApiApp,
  createErrorHandler,
  NotFoundError,
  notFoundHandler,
  openApiDocumentOf,
  serveOpenApi,
} from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { Console } from "./console.js";
import type { Operations } from "./operations.js";
import { parseRange } from "./reconcile/range.js";
import type { ReconcileReport } from "./reconcile/reconcile.js";
import type { ReportCache } from "./report-cache.js";
import { apiDefinitions, apiRoutes, remember, visible } from "./routes/api.js";
import type { Sessions } from "./session.js";
import { CONSOLE_CSS } from "./ui/layout.js";
import {
  DayPage,
  ErrorPage,
  EventPage,
  HomePage,
  LoginPage,
  OperationsPage,
  ReportPage,
} from "./ui/pages.js";

const API_DOCUMENT: ApiDocumentConfig = {
  info: {
    title: "parakey-bridge console API",
    version: "1.0.0",
    description:
      "Reconciliation of Parakey, the event topic and every sink per domain and day; repairs through the normal path; one event's path; dead letters. The HTML UI under /ui is not part of this API. Errors: docs/errors.md.",
  },
  security: API_SECURITY,
};

export interface AppDeps {
  console: Console;
  operations: Operations;
  reports: ReportCache;
  sessions: Sessions;
  auth: AuthSettings;
  clock: Clock;
  log: Logger;
}

/**
 * The console: JSON APIs under /v1 (Bearer token or API key, like every API of the bridge) and a
 * server-rendered UI under /ui (a signed session cookie from signing in with an API key). Any role
 * reads; repair and redrive need `operator`. The UI sends no script and a CSP that forbids any, and
 * every POST is checked for a same-origin Origin (CSRF) on top of the SameSite=Strict cookie.
 * `GET /openapi.json` (no credentials needed) is the JSON API's OpenAPI 3.1 document.
 *
 * @example
 * const res = await createApp(deps).request("/v1/reconciliation?domain=dom_1&from=2026-11-23", { headers });
 */
export function createApp(deps: AppDeps): ApiApp {
  const app = createApiApp();
  documentApiSecurity(app);
  app.use(requestId());
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: "no-referrer",
    }),
  );
  serveOpenApi(app, API_DOCUMENT);
  app.route("/v1", apiRoutes(deps));
  app.route("/ui", uiRoutes(deps));
  app.get("/", (c) => c.redirect("/ui"));
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.log));
  return app;
}

function uiRoutes(deps: AppDeps): Hono<AuthenticatedEnv> {
  const ui = new Hono<AuthenticatedEnv>();
  ui.use(csrf());
  ui.get("/console.css", (c) => {
    c.header("content-type", "text/css; charset=utf-8");
    c.header("cache-control", "max-age=300");
    return c.body(CONSOLE_CSS);
  });
  ui.get("/login", (c) => c.html(<LoginPage />));
  ui.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const key = typeof form.apiKey === "string" ? form.apiKey : "";
    const principal = await deps.sessions.signIn(c, key);
    if (principal === undefined) {
      deps.log.warn({ ui: "login" }, "console sign-in refused");
      return c.html(<LoginPage error="That API key is not valid." />, 401);
    }
    deps.log.info({ principal: principal.id }, "console sign-in");
    return c.redirect("/ui", 303);
  });

  ui.use(async (c, next) => {
    const principal = await deps.sessions.principal(c);
    if (principal === undefined || principal.roles.size === 0) return c.redirect("/ui/login", 303);
    c.set("principal", principal);
    await next();
  });

  ui.post("/logout", (c) => {
    deps.sessions.signOut(c);
    return c.redirect("/ui/login", 303);
  });

  ui.get("/", (c) => {
    const today = deps.clock.now().toISOString().slice(0, 10);
    const weekAgo = new Date(deps.clock.now().getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
    const principal = principalOf(c);
    return c.html(
      <HomePage
        principal={principal}
        from={weekAgo}
        to={today}
        recent={deps.reports.recent(10).map((r) => visible(r, principal))}
      />,
    );
  });

  ui.post("/reconcile", async (c) => {
    const form = await c.req.parseBody();
    const range = parseRange(
      { domain: str(form.domain), from: str(form.from), to: str(form.to) },
      deps.clock.now(),
    );
    assertDomainAllowed(principalOf(c), range.domainId);
    const report = remember(deps, await deps.console.reconcile(range));
    // Reconciling a day again from its page goes back to that day.
    const [only] = report.days;
    if (str(form.view) === "day" && only !== undefined && report.days.length === 1) {
      return c.redirect(
        `/ui/reports/${report.id}/days/${encodeURIComponent(only.domainId)}/${only.date}`,
        303,
      );
    }
    return c.redirect(`/ui/reports/${report.id}`, 303);
  });

  ui.get("/reports/:id", (c) => {
    const report = reportOf(deps, c.req.param("id"));
    const principal = principalOf(c);
    return c.html(
      <ReportPage principal={principal} report={report} days={visible(report, principal).days} />,
    );
  });

  ui.get("/reports/:id/days/:domain/:date", (c) => {
    const report = reportOf(deps, c.req.param("id"));
    const principal = principalOf(c);
    const day = visible(report, principal).days.find(
      (d) => d.domainId === c.req.param("domain") && d.date === c.req.param("date"),
    );
    if (day === undefined) throw new NotFoundError("no such day in this reconciliation");
    const repaired = c.req.query("repaired");
    const notice =
      repaired !== undefined
        ? `Re-sent ${Number.parseInt(repaired, 10) || 0} event(s) through the normal path. Reconcile this day again once the sinks caught up.`
        : undefined;
    return c.html(
      <DayPage
        principal={principal}
        report={report}
        day={day}
        canRepair={hasRole(principal, "operator")}
        notice={notice}
      />,
    );
  });

  ui.post("/repair", async (c) => {
    const principal = principalOf(c);
    if (!hasRole(principal, "operator")) throw new ForbiddenError("repair needs the operator role");
    const form = await c.req.parseBody();
    const report = reportOf(deps, str(form.reportId) ?? "");
    const day = report.days.find((d) => d.domainId === str(form.domain) && d.date === str(form.date));
    if (day === undefined) throw new NotFoundError("no such day in this reconciliation");
    assertDomainAllowed(principal, day.domainId);
    const ids = [...new Set(Object.values(day.missing).flat())];
    const result = await deps.console.repairIds(ids);
    deps.log.info({ principal: principal.id, resent: result.resent.length }, "repair from the console");
    return c.redirect(
      `/ui/reports/${report.id}/days/${encodeURIComponent(day.domainId)}/${day.date}?repaired=${result.resent.length}`,
      303,
    );
  });

  ui.get("/events", async (c) => {
    const principal = principalOf(c);
    const id = c.req.query("id") ?? "";
    if (id === "") return c.html(<EventPage principal={principal} id="" />);
    try {
      const path = await deps.console.eventPath(id);
      if (path.domainId !== null && !canSeeDomain(principal, path.domainId))
        throw new NotFoundError("no such event");
      return c.html(<EventPage principal={principal} id={id} path={path} />);
    } catch (error) {
      if (!(error instanceof BridgeError) || error.retryable) throw error;
      return c.html(
        <EventPage principal={principal} id={id} error={error.message} />,
        error.status as 400 | 404,
      );
    }
  });

  ui.get("/operations", async (c) => {
    const principal = principalOf(c);
    const groups = await Promise.all(deps.operations.groups.map((g) => deps.operations.groupStatus(g)));
    const pollers = await deps.operations.pollerFreshness();
    const redriven = c.req.query("redriven");
    return c.html(
      <OperationsPage
        principal={principal}
        groups={groups}
        pollers={pollers}
        canRedrive={hasRole(principal, "operator")}
        notice={
          redriven !== undefined ? `Redrove ${Number.parseInt(redriven, 10) || 0} record(s).` : undefined
        }
      />,
    );
  });

  ui.post("/redrive", async (c) => {
    const principal = principalOf(c);
    if (!hasRole(principal, "operator")) throw new ForbiddenError("redrive needs the operator role");
    const group = str((await c.req.parseBody()).group) ?? "";
    if (!deps.operations.groups.includes(group)) throw new NotFoundError(`unknown group ${group}`);
    const redriven = await deps.operations.redrive(group);
    return c.redirect(`/ui/operations?redriven=${redriven}`, 303);
  });

  ui.onError((error, c) => {
    const status = error instanceof BridgeError ? error.status : 500;
    if (status >= 500) deps.log.error({ err: error }, "console page failed");
    const message = status >= 500 ? "internal error" : error.message;
    return c.html(
      <ErrorPage principal={c.get("principal")} status={status} message={message} />,
      status as 400,
    );
  });
  return ui;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function reportOf(deps: AppDeps, id: string): ReconcileReport {
  const report = deps.reports.get(id);
  if (report === undefined)
    throw new NotFoundError("no such reconciliation here (reconcile the range again)");
  return report;
}

/**
 * The JSON API's OpenAPI document, from the route definitions alone: what `/openapi.json` serves and
 * `pnpm generate` writes to docs/openapi/console.json (a unit test fails when that file is stale).
 */
export function openApiDocument(): object {
  const app = createApiApp();
  documentApiSecurity(app);
  app.route("/v1", apiDefinitions());
  return openApiDocumentOf(app, API_DOCUMENT);
}
