import { createKafka, runOperatorCommand } from "@parakey-bridge/kafka";
import { rewindStoredOffsets } from "@parakey-bridge/storage";
import type { Logger } from "@parakey-bridge/telemetry";
import type { BillingConfig } from "./config.js";
import { billingMigrations } from "./migrations.js";

/**
 * Billing's operator commands: the consumer runtime's `redrive` and `replay` for the billing group.
 * The usage store resumes from the offsets it commits with the meters, so `replay` also rewinds
 * those (in the billing database) once the group has moved — otherwise the service would seek past
 * the replay on start. Replayed unlocks are recognised by event log id: the meters do not change.
 * Returns the exit code (0 done, 1 failed or refused, 2 usage).
 *
 * @example
 * process.exitCode = await runBillingOperatorCommand(["replay", "--since", "2026-11-01T00:00:00Z"], config, { log, print });
 */
export async function runBillingOperatorCommand(
  argv: readonly string[],
  config: Pick<BillingConfig, "kafka" | "database" | "consumer" | "topics">,
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
        migrations: billingMigrations,
        group,
        moves,
        log: deps.log,
      }),
  });
}
