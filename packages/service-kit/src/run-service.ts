import { ConfigError } from "@parakey-bridge/config";
import {
  createLogger,
  createMetricsRegistry,
  DEFAULT_TRACE_SAMPLE_RATIO,
  exitAfterTelemetry,
  type Logger,
  startTelemetry,
} from "@parakey-bridge/telemetry";
import type { Registry } from "prom-client";
import { type Clock, systemClock } from "./clock.js";
import type { Lifecycle } from "./lifecycle.js";

/** What every service's configuration says about its process. */
export interface ProcessConfig {
  logLevel: string;
  otlpEndpoint: string | undefined;
}

/** What a composition root hands to the function that builds a service. */
export interface ServiceDeps {
  log: Logger;
  registry: Registry;
  clock: Clock;
  /** A component cannot go on: the service is stopped and the process exits 1 (the orchestrator restarts it). */
  onFatal: (error: Error) => void;
}

export interface RunServiceOptions<C extends ProcessConfig, S extends { lifecycle: Lifecycle }> {
  /** Names the logger, the metrics registry and the traces. */
  service: string;
  /** Pure; a `ConfigError` is printed (every problem) and the process exits 1. */
  loadConfig: (env: Record<string, string | undefined>) => C;
  /** Further log paths to redact, from the configuration (e.g. the webhook's secret header). */
  redact?: (config: C) => string[];
  /** Builds the service; nothing may start before `lifecycle.start()`. */
  create: (config: C, deps: ServiceDeps) => S | Promise<S>;
  /** Logs what the started service offers (its URLs, group, topics). */
  started: (service: S, config: C, log: Logger) => void;
}

/**
 * The composition root of a service process, the same for every service: load the configuration
 * (print every problem and exit 1), start telemetry, create the logger and the metrics registry,
 * build the service, stop it on SIGTERM/SIGINT, start it — and when the start or a component fails,
 * stop what runs and exit 1 after telemetry flushed, so the orchestrator restarts the process.
 *
 * @example
 * await runService({ service: "ingress", loadConfig: loadIngressConfig, create: createIngressService, started });
 */
export async function runService<C extends ProcessConfig, S extends { lifecycle: Lifecycle }>(
  options: RunServiceOptions<C, S>,
): Promise<void> {
  let config: C;
  try {
    config = options.loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  startTelemetry({
    serviceName: options.service,
    otlpEndpoint: config.otlpEndpoint,
    sampleRatio: DEFAULT_TRACE_SAMPLE_RATIO,
  });
  const log = createLogger({
    service: options.service,
    level: config.logLevel,
    redact: options.redact?.(config) ?? [],
  });
  const registry = createMetricsRegistry(options.service);
  const service: S = await options.create(config, {
    log,
    registry,
    clock: systemClock,
    onFatal: (error) => {
      log.fatal({ err: error }, "consumer cannot continue; exiting so the orchestrator restarts the service");
      void service.lifecycle.stop("consumer failed").finally(() => exitAfterTelemetry(1));
    },
  });

  service.lifecycle.stopOnSignals((code) => void exitAfterTelemetry(code));
  try {
    await service.lifecycle.start();
    options.started(service, config, log);
  } catch (error) {
    log.fatal({ err: error }, `${options.service} failed to start`);
    await service.lifecycle.stop("start failed");
    await exitAfterTelemetry(1);
  }
}
