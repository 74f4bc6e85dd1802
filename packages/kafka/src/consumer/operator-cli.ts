import { parseArgs } from "node:util";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Kafka } from "kafkajs";
import { redriveDeadLetters, replayGroup } from "./operator.js";

export const operatorUsage = `  redrive [--max N]                  send the group's dead-lettered records back to it (after the fix is deployed)
  replay --since <ISO-8601> [--dry-run]  rewind the stopped group to re-read records produced since then`;

/**
 * The operator commands of a consumer service's CLI (`redrive`, `replay`), so every service offers
 * the same ones. Returns the process exit code: 0 done, 1 failed, 2 usage.
 *
 * @example
 * process.exitCode = await runOperatorCommand(process.argv.slice(2), { kafka, group: "audit", topics, log, print });
 */
export async function runOperatorCommand(
  argv: readonly string[],
  deps: {
    kafka: Kafka;
    group: string;
    topics: readonly string[];
    log: Logger;
    print: (line: string) => void;
  },
): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { max: { type: "string" }, since: { type: "string" }, "dry-run": { type: "boolean" } },
    strict: true,
  });
  if (command === "redrive") {
    const max = values.max === undefined ? undefined : Number(values.max);
    if (max !== undefined && !(Number.isInteger(max) && max > 0))
      return usage(deps.print, "--max must be a positive integer");
    const { redriven } = await redriveDeadLetters(deps.kafka, {
      group: deps.group,
      log: deps.log,
      ...(max === undefined ? {} : { maxRecords: max }),
    });
    deps.print(`redrove ${redriven} record(s) of group ${deps.group}`);
    return 0;
  }
  if (command === "replay") {
    const since = values.since === undefined ? undefined : new Date(values.since);
    if (since === undefined || Number.isNaN(since.getTime()))
      return usage(deps.print, "replay needs --since <ISO-8601>");
    try {
      const moves = await replayGroup(deps.kafka, {
        group: deps.group,
        topics: deps.topics,
        since,
        log: deps.log,
        dryRun: values["dry-run"] ?? false,
      });
      for (const move of moves) deps.print(`${move.topic}[${move.partition}]: ${move.from} -> ${move.to}`);
      return 0;
    } catch (error) {
      deps.print(`replay refused: ${(error as Error).message}`);
      return 1;
    }
  }
  return usage(deps.print, `unknown command ${command ?? "(none)"}`);
}

function usage(print: (line: string) => void, problem: string): number {
  print(`${problem}\n${operatorUsage}`);
  return 2;
}
