import { createKafka, runOperatorCommand } from "@parakey-bridge/kafka";
import { rewindStoredOffsets } from "@parakey-bridge/storage";
import type { Logger } from "@parakey-bridge/telemetry";
import type { CheckInConfig } from "./config.js";
import { checkInMigrations } from "./migrations.js";

/**
 * The check-in service's operator commands: the consumer runtime's `redrive` and `replay` for its
 * group. The check-in store resumes from the offsets it commits with the check-ins, so `replay` also
 * rewinds those (in the check-in database) once the group has moved — otherwise the service would
 * seek past the replay on start. Replayed unlocks are recognised by event log id: check-ins, day
 * counts and the outbox do not change, and nothing is published again.
 * Returns the exit code (0 done, 1 failed or refused, 2 usage).
 *
 * @example
 * process.exitCode = await runCheckInOperatorCommand(["replay", "--since", "2026-11-01T00:00:00Z"], config, { log, print });
 */
export async function runCheckInOperatorCommand(
  argv: readonly string[],
  config: Pick<CheckInConfig, "kafka" | "database" | "consumer" | "topics">,
  deps: { log: Logger; print: (line: string) => void },
): Promise<number> {
  const group = config.consumer.group;
  return runOperatorCommand(argv, {
    kafka: createKafka(config.kafka, deps.log),
    group,
    topics: [config.topics.eventLogs],
    log: deps.log,
    print: deps.print,
    rewindStoredOffsets: (moves) =>
      rewindStoredOffsets({
        database: config.database,
        migrations: checkInMigrations,
        group,
        moves,
        log: deps.log,
      }),
  });
}
