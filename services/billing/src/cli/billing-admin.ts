#!/usr/bin/env node
import { withoutApiAuth } from "@parakey-bridge/auth";
import { loadConfigOrExit } from "@parakey-bridge/config";
import { operatorUsage } from "@parakey-bridge/kafka";
import { createLogger } from "@parakey-bridge/telemetry";
import { BillingEnv, billingConfigOf } from "../config.js";
import { runBillingOperatorCommand } from "../operator-commands.js";

// Operator commands of the billing service, with the service's own environment (KAFKA_*,
// KAFKA_GROUP_ID, TOPIC_EVENT_LOGS, DATABASE_URL or PGLITE_DATA_DIR, DATABASE_SCHEMA):
//   redrive | replay   the consumer runtime's commands for the billing group; replay also rewinds the
//                      offsets the usage store keeps, so the stopped service really re-reads
// Exit codes: 0 done, 1 failed or refused, 2 usage.
const usage = `usage: billing-admin <command>
${operatorUsage}`;

const argv = process.argv.slice(2);
const config = billingConfigOf(loadConfigOrExit(BillingEnv, withoutApiAuth(process.env)));
const log = createLogger({
  service: "billing-admin",
  level: config.logLevel === "info" ? "warn" : config.logLevel,
});
const print = (line: string) => process.stdout.write(`${line}\n`);

if (argv[0] === "redrive" || argv[0] === "replay") {
  process.exitCode = await runBillingOperatorCommand(argv, config, { log, print });
} else {
  print(usage);
  process.exitCode = 2;
}
