#!/usr/bin/env node
import { Lifecycle } from "@parakey-bridge/service-kit";
import { createLogger } from "@parakey-bridge/telemetry";
import { parseCliOptions, USAGE } from "./cli-options.js";
import { type Simulator, startSimulator } from "./simulator.js";

// The simulator's composition root: the only module with side effects.
const parsed = parseCliOptions(process.argv.slice(2), process.env);
if (parsed.ok === "help") {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (!parsed.ok) {
  process.stderr.write(`${parsed.message}\n\n${USAGE}`);
  process.exit(2);
}
const { simulator: options, logLevel } = parsed.options;
// Webhook header values are shared secrets: only their names are ever logged.
const log = createLogger({ service: "parakey-simulator", level: logLevel });

let simulator: Simulator | undefined;
const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: 5_000 });
lifecycle.add({
  name: "parakey-simulator",
  start: async () => {
    simulator = await startSimulator({ ...options, log });
  },
  stop: async () => simulator?.close(),
});
lifecycle.stopOnSignals();
await lifecycle.start();
log.info(
  {
    url: simulator?.url,
    port: simulator?.port,
    seed: options.seed,
    rate: options.rate,
    world: { domains: options.domains, locks: options.locks, users: options.users },
    offlineFraction: options.offlineFraction,
    clockOffsetMs: options.clockOffsetMs,
    retryTimeScale: options.retryTimeScale,
    paging: options.paging,
    webhooks: options.webhooks?.map((hook) => ({ url: hook.url, headers: Object.keys(hook.headers ?? {}) })),
  },
  "parakey simulator listening",
);
