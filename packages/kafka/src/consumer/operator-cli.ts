import { parseArgs } from "node:util";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Kafka } from "kafkajs";
import { z } from "zod";
import { type ReplayMove, redriveDeadLetters, replayGroup } from "./operator.js";

export const operatorUsage = `  redrive [--max N]                  send the group's dead-lettered records back to it (after the fix is deployed)
  replay --since <ISO-8601> [--dry-run]  rewind the stopped group to re-read records produced since then`;

/** What a service CLI hands to `runOperatorCommand`. */
export interface OperatorCommandDeps {
  kafka: Kafka;
  group: string;
  topics: readonly string[];
  log: Logger;
  print: (line: string) => void;
  /**
   * For a service whose sink resumes from offsets it stores itself (`ConsumerSink.storedOffsets`):
   * the runner seeks to those on assignment, so a replay that moved only the group's Kafka offsets
   * would be skipped without a word. Called after a replay (not a dry run) moved the group, with its
   * moves; resolves with the stored offsets it moved (`from` = the stored offset before).
   */
  rewindStoredOffsets?: (moves: readonly ReplayMove[]) => Promise<readonly ReplayMove[]>;
}

/**
 * The operator commands of a consumer service's CLI (`redrive`, `replay`), so every service offers
 * the same ones. Returns the process exit code: 0 done, 1 failed, 2 usage.
 *
 * @example
 * process.exitCode = await runOperatorCommand(process.argv.slice(2), { kafka, group: "audit", topics, log, print });
 * // a sink that keeps its own offsets rewinds them in the same command:
 * await runOperatorCommand(argv, { kafka, group, topics, log, print, rewindStoredOffsets: (moves) => rewind(db, moves) });
 */
export async function runOperatorCommand(
  argv: readonly string[],
  deps: OperatorCommandDeps,
): Promise<number> {
  const [command, ...rest] = argv;
  let values: { max?: string | undefined; since?: string | undefined; "dry-run"?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { max: { type: "string" }, since: { type: "string" }, "dry-run": { type: "boolean" } },
      strict: true,
    }));
  } catch (error) {
    return usage(deps.print, (error as Error).message);
  }
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
    const since = parseSince(values.since);
    if (since === undefined)
      return usage(
        deps.print,
        "replay needs --since <ISO-8601>: a date (2026-11-23, UTC midnight) or a date and time with Z or an offset (2026-11-23T08:00:00Z)",
      );
    const dryRun = values["dry-run"] ?? false;
    let moves: ReplayMove[];
    try {
      moves = await replayGroup(deps.kafka, {
        group: deps.group,
        topics: deps.topics,
        since,
        log: deps.log,
        dryRun,
      });
    } catch (error) {
      deps.print(`replay refused: ${(error as Error).message}`);
      return 1;
    }
    for (const move of moves) deps.print(`${move.topic}[${move.partition}]: ${move.from} -> ${move.to}`);
    if (deps.rewindStoredOffsets === undefined) return 0;
    if (dryRun) {
      deps.print("dry run: the offsets the service stores itself were not touched either");
      return 0;
    }
    return rewindStored(deps.rewindStoredOffsets, moves, deps);
  }
  return usage(deps.print, `unknown command ${command ?? "(none)"}`);
}

/**
 * The second half of a replay for a sink that keeps its own offsets. The group has already moved,
 * so a failure here must be loud: the service would resume from its stored offsets and skip the
 * replay. Running the same replay again is safe (the group is still stopped) and finishes the job.
 */
async function rewindStored(
  rewind: NonNullable<OperatorCommandDeps["rewindStoredOffsets"]>,
  moves: readonly ReplayMove[],
  deps: Pick<OperatorCommandDeps, "group" | "log" | "print">,
): Promise<number> {
  let rewound: readonly ReplayMove[];
  try {
    rewound = await rewind(moves);
  } catch (error) {
    deps.log.error({ err: error, group: deps.group }, "replay: stored offsets not rewound");
    deps.print(
      `replay incomplete: group ${deps.group} was rewound, but the offsets the service stores itself were not (${(error as Error).message}); run the same replay again before starting the service, or it will not re-read the records`,
    );
    return 1;
  }
  for (const move of rewound)
    deps.print(`stored offset ${move.topic}[${move.partition}]: ${move.from} -> ${move.to}`);
  if (rewound.length === 0) deps.print("stored offsets: none was past the replay's start, nothing to rewind");
  return 0;
}

/** An ISO-8601 date, or date and time with `Z` or an offset; anything else is refused. */
const IsoInstant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/**
 * The instant of `replay --since`. ISO-8601 only: `Date` would also take "yesterday 5pm", "12/11"
 * (December or November?) or a time without a zone (the machine's local time), and a replay from
 * a misread instant silently re-reads, or skips, days of records.
 *
 * @example
 * parseSince("2026-11-23T08:00:00+01:00"); // 2026-11-23T07:00:00.000Z
 * parseSince("23/11/2026"); // undefined
 */
export function parseSince(text: string | undefined): Date | undefined {
  const parsed = IsoInstant.safeParse(text);
  if (!parsed.success) return undefined;
  const since = new Date(parsed.data);
  return Number.isNaN(since.getTime()) ? undefined : since;
}

function usage(print: (line: string) => void, problem: string): number {
  print(`${problem}\n${operatorUsage}`);
  return 2;
}
