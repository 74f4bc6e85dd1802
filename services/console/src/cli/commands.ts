import { parseArgs } from "node:util";
import { BridgeError } from "@parakey-bridge/service-kit";
import type { Console } from "../console.js";
import { parseRange } from "../reconcile/range.js";
import { missingIds, type ReconcileReport } from "../reconcile/reconcile.js";

export const consoleUsage = `usage: console-admin <command>
  reconcile --from YYYY-MM-DD [--to YYYY-MM-DD] [--domain ID] [--json]
        count each domain and day at Parakey, on the topic and in every sink, name what is missing;
        exit 0 complete, 1 incomplete or failed
  repair (--from YYYY-MM-DD [--to YYYY-MM-DD] [--domain ID] | --ids ID,ID,...)
        re-send exactly the missing events (or the ids given) through the normal produce path
  path --id ID
        every copy of one event on the topics and every sink's row, as JSON`;

/**
 * Runs one operator command against a wired console; returns the exit code (0 done, 1 incomplete or
 * failed, 2 usage). Progress goes to `progress` (stderr), results to `print` (stdout).
 *
 * @example
 * process.exitCode = await runConsoleCommand(process.argv.slice(2), console, { print, progress });
 */
export async function runConsoleCommand(
  argv: readonly string[],
  console: Console,
  io: { print(line: string): void; progress(line: string): void; now(): Date },
): Promise<number> {
  const [command, ...rest] = argv;
  let values: {
    from?: string | undefined;
    to?: string | undefined;
    domain?: string | undefined;
    ids?: string | undefined;
    id?: string | undefined;
    json?: boolean | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: {
        from: { type: "string" },
        to: { type: "string" },
        domain: { type: "string" },
        ids: { type: "string" },
        id: { type: "string" },
        json: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (error) {
    io.print(`${(error as Error).message}\n${consoleUsage}`);
    return 2;
  }
  try {
    if (command === "reconcile") {
      const range = parseRange(values, io.now());
      const report = await console.reconcile(range, (stage, detail) =>
        io.progress(`[reconcile] ${stage}${detail ? ` ${JSON.stringify(detail)}` : ""}`),
      );
      if (values.json) io.print(JSON.stringify(report));
      else printReport(report, io.print);
      return report.verdict === "complete" ? 0 : 1;
    }
    if (command === "repair") {
      if (values.ids !== undefined) {
        const result = await console.repairIds(
          values.ids
            .split(",")
            .map((id) => id.trim())
            .filter((id) => id.length > 0),
        );
        io.print(JSON.stringify(result));
        return result.notFound.length === 0 ? 0 : 1;
      }
      const result = await console.repairRange(parseRange(values, io.now()));
      io.print(
        JSON.stringify({
          reconciliation: result.report.id,
          missing: missingIds(result.report),
          resent: result.resent,
          notFound: result.notFound,
        }),
      );
      io.print(`re-sent ${result.resent.length} event(s); run reconcile again once the sinks caught up`);
      return result.notFound.length === 0 ? 0 : 1;
    }
    if (command === "path" && values.id !== undefined) {
      io.print(JSON.stringify(await console.eventPath(values.id)));
      return 0;
    }
  } catch (error) {
    if (error instanceof BridgeError && !error.retryable) {
      io.print(`${error.code}: ${error.message}`);
      return error.code === "invalid_request" ? 2 : 1;
    }
    throw error;
  }
  io.print(consoleUsage);
  return 2;
}

function printReport(report: ReconcileReport, print: (line: string) => void): void {
  print(
    `reconciliation ${report.id}: ${report.fromDate}..${report.toDate} ${report.domainId ?? "all domains"}: ${report.verdict}`,
  );
  print("domain\tdate\tparakey\ttopic\taudit\tbilling\tcheckin\tverdict");
  for (const day of report.days) {
    const c = day.counts;
    print(
      `${day.domainId}\t${day.date}\t${c.parakey}\t${c.topic}\t${c.audit}\t${c.billing}\t${c.checkin}\t${day.verdict}`,
    );
    for (const [place, ids] of Object.entries(day.missing))
      if (ids.length > 0) print(`  missing from ${place}: ${ids.join(" ")}`);
    for (const [place, ids] of Object.entries(day.unknown))
      if (ids.length > 0) print(`  in ${place}, unknown to Parakey: ${ids.join(" ")}`);
  }
}
