import type { Logger } from "@parakey-bridge/telemetry";

/** Anything that runs: an HTTP server, a consumer loop, a producer, a pool. */
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  /** Stops gracefully: stop intake, finish in-flight work, flush. */
  stop(): Promise<void>;
}

interface Registered {
  component: Component;
  stopTimeoutMs: number;
}

export interface LifecycleOptions {
  log: Logger;
  /** Budget for the whole shutdown; each component also has its own. */
  shutdownTimeoutMs: number;
}

/**
 * Owns every component of a service: starts them in order, stops them in reverse (so intake stops
 * before the producer flushes and pools close), each step bounded by a timeout. A second signal does
 * not start a second shutdown.
 *
 * @example
 * const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: 20_000 });
 * lifecycle.add(producer).add(httpServer);
 * await lifecycle.start();
 * lifecycle.stopOnSignals();
 */
export class Lifecycle {
  private readonly components: Registered[] = [];
  private stopping: Promise<boolean> | undefined;
  private started = false;

  constructor(private readonly options: LifecycleOptions) {}

  /** Registers a component; start order = registration order. */
  add(component: Component, options: { stopTimeoutMs?: number } = {}): this {
    this.components.push({
      component,
      stopTimeoutMs: options.stopTimeoutMs ?? this.options.shutdownTimeoutMs,
    });
    return this;
  }

  /** True once shutdown began: readiness must answer false from then on. */
  get isShuttingDown(): boolean {
    return this.stopping !== undefined;
  }

  get isStarted(): boolean {
    return this.started && !this.isShuttingDown;
  }

  async start(): Promise<void> {
    for (const { component } of this.components) {
      if (this.stopping) return;
      this.options.log.debug({ component: component.name }, "starting");
      await component.start();
    }
    this.started = true;
    this.options.log.info({ components: this.components.map((c) => c.component.name) }, "started");
  }

  /**
   * Stops every component in reverse order. Resolves true when all stopped cleanly within their
   * budgets. Calling it again returns the same shutdown.
   */
  stop(reason = "stop requested"): Promise<boolean> {
    this.stopping ??= this.runStop(reason);
    return this.stopping;
  }

  private async runStop(reason: string): Promise<boolean> {
    const log = this.options.log;
    log.info({ reason }, "shutting down");
    const deadline = Date.now() + this.options.shutdownTimeoutMs;
    let clean = true;
    for (const { component, stopTimeoutMs } of [...this.components].reverse()) {
      const budget = Math.max(0, Math.min(stopTimeoutMs, deadline - Date.now()));
      const outcome = await withTimeout(component.stop(), budget);
      if (outcome === "timeout") {
        clean = false;
        log.error({ component: component.name, budgetMs: budget }, "component did not stop in time");
      } else if (outcome instanceof Error) {
        clean = false;
        log.error({ component: component.name, err: outcome }, "component failed to stop");
      }
    }
    log.info({ clean }, "shut down");
    return clean;
  }

  /**
   * SIGTERM/SIGINT start one shutdown, then the process exits: 0 when everything stopped cleanly,
   * 1 otherwise. Returns a function that removes the handlers (tests).
   */
  stopOnSignals(exit: (code: number) => void = (code) => process.exit(code)): () => void {
    const handler = (signal: NodeJS.Signals) => {
      if (this.stopping) {
        this.options.log.warn({ signal }, "shutdown already in progress");
        return;
      }
      void this.stop(signal).then((clean) => exit(clean ? 0 : 1));
    };
    process.on("SIGTERM", handler);
    process.on("SIGINT", handler);
    return () => {
      process.off("SIGTERM", handler);
      process.off("SIGINT", handler);
    };
  }
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<"ok" | "timeout" | Error> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([promise.then(() => "ok" as const), timeout]);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    clearTimeout(timer);
  }
}
