import { spawn } from "node:child_process";
import { join } from "node:path";
import { metricValue, repoRoot, waitUntil } from "@parakey-bridge/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConsoleCommand } from "./cli/commands.js";
import { parseRange } from "./reconcile/range.js";
import { type Scenario, startScenario } from "./testing/scenario.js";

// The done-when case over real Kafka, real PostgreSQL and the three real sink services:
// events withheld from the webhook and one removed from a sink are named per sink, a repair re-sends
// exactly those, the range then reconciles complete with nothing applied twice, and an edited
// recorded reconciliation makes `audit verify` fail.

let s: Scenario;
beforeAll(async () => {
  s = await startScenario({ basePort: 21200, domain: "dom_recon" });
}, 240_000);
afterAll(async () => {
  await s?.stop();
});

function auditVerify(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["dist/cli/audit-admin.js", "verify"], {
      cwd: join(repoRoot, "services", "audit"),
      env: { ...process.env, ...s.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe("reconcile, repair, and the tamper-evident record", () => {
  const range = () => parseRange({ domain: s.domain, from: s.day, to: s.day }, new Date());

  it("names exactly the ids missing from the topic and from each sink, and records the result", async () => {
    const report = await s.parts.console.reconcile(range());
    expect(report.verdict).toBe("incomplete");
    expect(report.days).toHaveLength(1);
    const [only] = report.days;
    expect(only?.counts).toEqual({ parakey: 10, topic: 8, audit: 8, billing: 7, checkin: 7 });
    expect(only?.missing.topic).toEqual(s.withheld);
    expect(only?.missing.audit).toEqual(s.withheld);
    // Billing meters successful unlocks only: the withheld failed one is not missing there.
    expect(only?.missing.billing).toEqual(s.withheld.filter((id) => !s.failedIds.has(id)));
    expect(only?.missing.checkin).toEqual([...s.withheld, s.removedFromCheckin].sort());
    expect(Object.values(only?.unknown ?? {}).flat()).toEqual([]);
    const { rows } = await s.sql.query<{ entry: { id: string; verdict: string } }>(
      "SELECT entry FROM audit.reconciliations ORDER BY seq DESC LIMIT 1",
    );
    expect(rows[0]?.entry).toMatchObject({ id: report.id, verdict: "incomplete" });
    expect(await metricValue(s.registry, "bridge_reconciliation_runs_total", { verdict: "incomplete" })).toBe(
      1,
    );
    expect(await metricValue(s.registry, "bridge_reconciliation_incomplete")).toBe(1);
  });

  it("repairs by re-sending exactly the missing events, after which the range is complete and nothing was applied twice", async () => {
    const repaired = await s.parts.console.repairRange(range());
    expect(repaired.resent).toEqual([...s.withheld, s.removedFromCheckin].sort());
    expect(repaired.notFound).toEqual([]);
    await waitUntil("the sinks applied the repair", async () => (await s.counts()).join() === "10,8,10", {
      timeoutMs: 90_000,
      intervalMs: 500,
    });

    const report = await s.parts.console.reconcile(range());
    expect(report.verdict).toBe("complete");
    expect(report.days[0]?.counts).toEqual({ parakey: 10, topic: 10, audit: 10, billing: 8, checkin: 10 });
    // The re-sent copy of the event check-in lost reached billing and audit too: both ignored it.
    const meter = await s.sql.query<{ n: string }>(
      "SELECT successful_unlocks::text AS n FROM billing.usage_meters WHERE domain_id = $1",
      [s.domain],
    );
    expect(meter.rows.map((r) => r.n)).toEqual(["8"]);
    const dup = await s.sql.query<{ duplicates: number }>(
      "SELECT duplicates FROM audit.audit_events WHERE event_log_id = $1",
      [s.removedFromCheckin],
    );
    expect(dup.rows[0]?.duplicates).toBe(1);
  });

  it("answers the operator CLI: reconcile exits 0 with a complete table and progress, bad input exits 2", async () => {
    const out: string[] = [];
    const progress: string[] = [];
    const io = {
      print: (l: string) => out.push(l),
      progress: (l: string) => progress.push(l),
      now: () => new Date(),
    };
    expect(
      await runConsoleCommand(["reconcile", "--domain", s.domain, "--from", s.day], s.parts.console, io),
    ).toBe(0);
    expect(out.join("\n")).toContain(`${s.domain}\t${s.day}\t10\t10\t10\t8\t10\tcomplete`);
    expect(progress.some((l) => l.startsWith("[reconcile] topic"))).toBe(true);
    out.length = 0;
    expect(
      await runConsoleCommand(["reconcile", "--from", s.day, "--to", "2000-01-01"], s.parts.console, io),
    ).toBe(2);
    expect(out.join("\n")).toContain("the range is reversed");
    expect(await runConsoleCommand(["reconcile", "--bogus"], s.parts.console, io)).toBe(2);
  });

  it("makes audit verify fail once a recorded reconciliation is edited", async () => {
    expect((await auditVerify()).code).toBe(0);
    await s.sql.query("ALTER TABLE audit.reconciliations DISABLE TRIGGER reconciliations_append_only");
    await s.sql.query(
      `UPDATE audit.reconciliations SET entry = jsonb_set(entry, '{verdict}', '"complete"') WHERE seq = 1`,
    );
    const verify = await auditVerify();
    expect(verify.code).toBe(1);
    expect(verify.out).toContain("hash_mismatch");
  });

  it("answers an unknown domain, a reversed range, a future range and a malformed id with clear errors", async () => {
    await expect(
      s.parts.console.reconcile(parseRange({ domain: "dom_nowhere", from: s.day }, new Date())),
    ).rejects.toThrow("unknown domain dom_nowhere");
    expect(() => parseRange({ from: s.day, to: "2000-01-01" }, new Date())).toThrow("reversed");
    expect(() => parseRange({ from: "2999-01-01" }, new Date())).toThrow("future");
    await expect(s.parts.console.repairIds(["el_1; DROP TABLE"])).rejects.toThrow("malformed event log id");
  });

  it("traces one event: its copies on the topic with via and trace id, and each sink's row", async () => {
    const path = await s.parts.console.eventPath(s.removedFromCheckin);
    expect(path.copies.filter((c) => c.kind === "event").map((c) => c.via)).toEqual(["webhook", "poll"]);
    expect(path.sinks.map((r) => r.sink).sort()).toEqual(["audit", "billing", "checkin"]);
    for (const row of path.sinks) expect(row.writtenAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    const detailOf = (sink: string) => path.sinks.find((r) => r.sink === sink)?.detail;
    expect(detailOf("audit")).toMatchObject({
      via: expect.any(String),
      partition: expect.any(Number),
      offset: expect.any(String),
      domainId: s.domain,
      occurredAt: expect.stringMatching(/Z$/),
    });
    expect(detailOf("billing")).toMatchObject({ period: expect.any(String), domainId: s.domain });
    expect(detailOf("checkin")).toEqual({});
    expect(path.domainId).toBe(s.domain);
  });
});
