import {
  type AuthenticatedEnv,
  type AuthSettings,
  assertDomainAllowed,
  authenticate,
  canSeeDomain,
  ForbiddenError,
  hasRole,
  type Principal,
  principalOf,
  rateLimitPerPrincipal,
  requireAnyRole,
  requireRole,
} from "@parakey-bridge/auth";
import {
  BridgeError,
  type Clock,
  createErrorHandler,
  NotFoundError,
  notFoundHandler,
  ValidationError,
} from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { z } from "zod";
import type { Console } from "./console.js";
import type { Operations } from "./operations.js";
import { parseRange } from "./reconcile/range.js";
import type { ReconcileReport } from "./reconcile/reconcile.js";
import type { ReportCache } from "./report-cache.js";
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

export interface AppDeps {
  console: Console;
  operations: Operations;
  reports: ReportCache;
  sessions: Sessions;
  auth: AuthSettings;
  clock: Clock;
  log: Logger;
}

const RepairBody = z.union([
  z.object({ ids: z.array(z.string()).min(1).max(10_000) }).strict(),
  z.object({ domain: z.string().optional(), from: z.string(), to: z.string().optional() }).strict(),
]);

/**
 * The console: JSON APIs under /v1 (Bearer token or API key, like every API of the bridge) and a
 * server-rendered UI under /ui (a signed session cookie from signing in with an API key). Any role
 * reads; repair and redrive need `operator`. The UI sends no script and a CSP that forbids any, and
 * every POST is checked for a same-origin Origin (CSRF) on top of the SameSite=Strict cookie.
 *
 * @example
 * const res = await createApp(deps).request("/v1/reconciliation?domain=dom_1&from=2026-11-23", { headers });
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
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
  app.route("/v1", apiRoutes(deps));
  app.route("/ui", uiRoutes(deps));
  app.get("/", (c) => c.redirect("/ui"));
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(deps.log));
  return app;
}

function remember(deps: AppDeps, report: ReconcileReport): ReconcileReport {
  deps.reports.add(report);
  return report;
}

/** A report as a principal may see it: only the days of its domains. */
function visible(report: ReconcileReport, principal: Principal): ReconcileReport {
  return { ...report, days: report.days.filter((d) => canSeeDomain(principal, d.domainId)) };
}

function apiRoutes(deps: AppDeps): Hono<AuthenticatedEnv> {
  const api = new Hono<AuthenticatedEnv>();
  api.use(authenticate(deps.auth, { log: deps.log }));
  api.use(rateLimitPerPrincipal({ limitPerMinute: deps.auth.rateLimitPerMinute }));
  api.use(requireAnyRole());

  api.get("/reconciliation", async (c) => {
    const range = parseRange(c.req.query(), deps.clock.now());
    assertDomainAllowed(principalOf(c), range.domainId);
    const report = remember(deps, await deps.console.reconcile(range));
    return c.json(visible(report, principalOf(c)));
  });

  api.post("/repairs", requireRole("operator"), async (c) => {
    const parsed = RepairBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success)
      throw new ValidationError(
        `expected { ids } or { domain?, from, to? }: ${z.prettifyError(parsed.error)}`,
      );
    if ("ids" in parsed.data) return c.json(await deps.console.repairIds(parsed.data.ids));
    const range = parseRange(parsed.data, deps.clock.now());
    assertDomainAllowed(principalOf(c), range.domainId);
    const { report, ...result } = await deps.console.repairRange(range);
    remember(deps, report);
    return c.json({ reconciliation: report.id, ...result });
  });

  api.get("/events/:id/path", async (c) => {
    const path = await deps.console.eventPath(c.req.param("id"));
    if (path.domainId !== null && !canSeeDomain(principalOf(c), path.domainId))
      throw new NotFoundError("no such event");
    return c.json(path);
  });

  api.get("/dead-letters/:group", async (c) => {
    const group = c.req.param("group");
    if (!deps.operations.groups.includes(group)) throw new NotFoundError(`unknown group ${group}`);
    return c.json(await deps.operations.groupStatus(group));
  });

  api.post("/dead-letters/:group/redrive", requireRole("operator"), async (c) => {
    const group = c.req.param("group");
    if (!deps.operations.groups.includes(group)) throw new NotFoundError(`unknown group ${group}`);
    return c.json({ group, redriven: await deps.operations.redrive(group) });
  });
  return api;
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
