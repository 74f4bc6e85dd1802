import { join } from "node:path";
import { testApiKeys } from "@parakey-bridge/auth/testing";
import { deadLetterTopic } from "@parakey-bridge/kafka";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { HttpServer, systemClock } from "@parakey-bridge/service-kit";
import { repoRoot, waitUntil } from "@parakey-bridge/testkit";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { Operations } from "./operations.js";
import { ReportCache } from "./report-cache.js";
import { Sessions } from "./session.js";
import { launchChromium } from "./testing/browser.js";
import { type Scenario, silentLog, startScenario } from "./testing/scenario.js";

// The console in real headless Chromium over the done-when scenario (real Kafka, PostgreSQL and the
// three sink services): an auditor sees the gap but cannot repair; an operator signs in, opens the
// completeness grid, drills into the gap, repairs it and sees the day turn complete.

const PORT = 21230;
const base = `http://127.0.0.1:${PORT}`;
const keys = testApiKeys({ operator: { roles: ["operator", "reader"] }, auditor: { roles: ["auditor"] } });
let s: Scenario;
let server: HttpServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  s = await startScenario({ basePort: 21210, domain: "dom_ui" });
  const operations = new Operations({
    kafka: s.parts.kafka,
    groups: ["audit", "billing", "checkin"].map((name) => `${s.env.GROUP_PREFIX}-${name}`),
    eventLogsTopic: s.env.TOPIC_EVENT_LOGS as string,
    pollerStateTopic: "parakey-bridge.poller-state",
    log: silentLog,
    now: () => new Date(),
  });
  const app = createApp({
    console: s.parts.console,
    operations,
    reports: new ReportCache(),
    sessions: new Sessions(keys.settings, {
      secret: "console-test-session-secret-0123456789",
      now: () => new Date(),
    }),
    auth: keys.settings,
    clock: systemClock,
    log: silentLog,
  });
  server = new HttpServer({ name: "console-test", app, port: PORT, host: "127.0.0.1" });
  await server.start();
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await s?.stop();
});

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${base}/ui`);
  expect(page.url()).toBe(`${base}/ui/login`);
  await page.fill('input[name="apiKey"]', key);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${base}/ui`);
}

async function reconcileFromGrid(page: Page): Promise<void> {
  await page.fill('input[name="domain"]', s.domain);
  await page.fill('input[name="from"]', s.day);
  await page.fill('input[name="to"]', s.day);
  await page.click('form[action="/ui/reconcile"] button');
  await page.waitForURL(/\/ui\/reports\//);
}

/**
 * A fresh session of `role` that reconciled the scenario's day from the grid: the page, and the
 * day's cell, which must show the day incomplete (the scenario withheld events).
 */
async function reconciledAs(role: "auditor" | "operator"): Promise<{ page: Page; cell: Locator }> {
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  await signIn(page, keys.key(role));
  await reconcileFromGrid(page);
  const cell = page.locator(`td[data-day="${s.domain}/${s.day}"]`);
  expect(await cell.getAttribute("class")).toBe("incomplete");
  return { page, cell };
}

describe("the console in a browser", () => {
  it("refuses a wrong key, sends a strict CSP, and shows an untrusted id as text", async () => {
    const page = await browser.context.newPage();
    const login = await page.goto(`${base}/ui/login`);
    expect(login?.headers()["content-security-policy"]).toContain("default-src 'none'");
    expect(login?.headers()["content-security-policy"]).not.toContain("script-src");
    await page.fill('input[name="apiKey"]', "pbk_not_a_key");
    await page.click('button[type="submit"]');
    await expect(page.locator(".error").textContent()).resolves.toContain("not valid");

    await signIn(page, keys.key("auditor"));
    const hostile = '"><img src=x onerror=alert(1)>';
    await page.goto(`${base}/ui/events?id=${encodeURIComponent(hostile)}`);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.inputValue('input[name="id"]')).toBe(hostile);
    await expect(page.locator(".error").textContent()).resolves.toContain("malformed event log id");
    await page.close();
  });

  it("lets an auditor see the gap but not repair it: no button, and the API answers 403", async () => {
    const { page, cell } = await reconciledAs("auditor");
    await cell.locator("a").click();
    await page.waitForURL(/\/days\//);
    expect(await page.locator("body").textContent()).toContain(s.withheld[0]);
    expect(await page.locator('form[action="/ui/repair"]').count()).toBe(0);

    const api = await fetch(`${base}/v1/repairs`, {
      method: "POST",
      headers: { ...keys.headers("auditor"), "content-type": "application/json" },
      body: JSON.stringify({ ids: s.withheld }),
    });
    expect(api.status).toBe(403);
    // The auditor's own session posting the repair form by hand is refused too.
    const reportId = /\/ui\/reports\/([^/]+)\//.exec(page.url())?.[1] ?? "";
    const ui = await page.request.post(`${base}/ui/repair`, {
      form: { reportId, domain: s.domain, date: s.day },
      headers: { origin: base },
      maxRedirects: 0,
    });
    expect(ui.status()).toBe(403);
    expect((await s.counts()).join()).toBe("8,7,7");
    await page.close();
  });

  it("lets an operator drill into the gap, repair it, and see the day turn complete", async () => {
    const { page, cell } = await reconciledAs("operator");
    if (process.env.CONSOLE_SCREENSHOT) {
      await page.screenshot({ path: join(repoRoot, process.env.CONSOLE_SCREENSHOT), fullPage: true });
    }
    await cell.locator("a").click();
    await page.waitForURL(/\/days\//);
    const text = await page.locator("main").textContent();
    for (const id of [...s.withheld, s.removedFromCheckin]) expect(text).toContain(id);
    await page.click('form[action="/ui/repair"] button');
    await page.waitForURL(/repaired=3/);
    await waitUntil("the sinks applied the repair", async () => (await s.counts()).join() === "10,8,10", {
      timeoutMs: 90_000,
      intervalMs: 500,
    });

    await page.click('form[action="/ui/reconcile"] button');
    await page.waitForURL(/\/days\//);
    expect(await page.locator("h1").textContent()).toBe(`${s.domain} on ${s.day}: complete`);
    await page.click('a[href^="/ui/reports/"]');
    expect(await page.locator(`td[data-day="${s.domain}/${s.day}"]`).getAttribute("class")).toBe("complete");
    await page.close();
  });

  it("shows each group's dead letters with their reason as text, and lets an operator redrive them", async () => {
    const group = `${s.env.GROUP_PREFIX}-audit`;
    const hostile = "<b>boom</b><script>alert(1)</script>";
    await produceAll(s.parts.kafka, [
      {
        topic: deadLetterTopic(group),
        key: "dev_0",
        value: Buffer.from("{}"),
        headers: {
          ce_id: "el_dead_1",
          "pb-dlq-error-code": "db_query_failed",
          "pb-dlq-error-message": hostile,
        },
      },
    ]);
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await signIn(page, keys.key("operator"));
    await page.goto(`${base}/ui/operations`);
    expect(await page.locator("main").textContent()).toContain(hostile);
    expect(await page.locator("main b, main script").count()).toBe(0);
    await page.click(`form[action="/ui/redrive"]:has(input[value="${group}"]) button`);
    await page.waitForURL(/redriven=1/);
    expect(await page.locator(".notice").textContent()).toBe("Redrove 1 record(s).");
    await page.close();
  });
});
