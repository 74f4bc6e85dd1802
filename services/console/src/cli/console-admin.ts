#!/usr/bin/env node
import { withoutApiAuth } from "@parakey-bridge/auth";
import { ConfigError } from "@parakey-bridge/config";
import { BatchingProducer } from "@parakey-bridge/kafka";
import { systemClock } from "@parakey-bridge/service-kit";
import { createLogger, createMetricsRegistry } from "@parakey-bridge/telemetry";
import { type ConsoleConfig, loadConsoleConfig } from "../config.js";
import { consoleMetrics } from "../metrics.js";
import { wireConsole } from "../wiring.js";
import { consoleUsage, runConsoleCommand } from "./commands.js";

// Operator commands of the console (reconcile, repair, path), with the console's own environment.
const args = process.argv.slice(2);
if (args.length === 0 || args[0] === "--help") {
  process.stdout.write(`${consoleUsage}\n`);
  process.exit(args.length === 0 ? 2 : 0);
}
let config: ConsoleConfig;
try {
  config = loadConsoleConfig(withoutApiAuth(process.env));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const log = createLogger({
  service: "console-admin",
  level: config.logLevel === "info" ? "warn" : config.logLevel,
});
const registry = createMetricsRegistry("console-admin");
const parts = await wireConsole(config, {
  log,
  clock: systemClock,
  metrics: consoleMetrics(registry),
  producer: (kafka) => new BatchingProducer(kafka, { log, registry }),
});
try {
  await parts.producer.start();
  process.exitCode = await runConsoleCommand(args, parts.console, {
    print: (line) => process.stdout.write(`${line}\n`),
    progress: (line) => process.stderr.write(`${line}\n`),
    now: () => new Date(),
  });
} finally {
  await parts.producer.stop();
  await parts.close();
}
