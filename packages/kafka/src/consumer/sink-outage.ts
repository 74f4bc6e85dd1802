import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@parakey-bridge/telemetry";
import type { BatchScope } from "./batch-scope.js";
import type { Liveness } from "./liveness.js";
import type { ConsumerSink } from "./types.js";

/**
 * A sink that cannot take writes (unreachable, read-only, full, a revoked grant, a missing table, or
 * a retryable failure past the retry budget): the group's topics are paused and the sink probed (a
 * representative write, rolled back) with backoff until it takes writes again, then resumed.
 * Nothing is dead-lettered meanwhile.
 */
export class SinkOutage {
  private paused = false;

  constructor(
    private readonly deps: {
      sink: Pick<ConsumerSink<unknown>, "name" | "probe">;
      group: string;
      log: Logger;
      liveness: Liveness;
      stopSignal: AbortSignal;
      /** First delay between probes; doubles up to 10 s. */
      probeIntervalMs: number;
      /** Pause and resume every topic of the group on the consumer running now. */
      pause: () => void;
      resume: () => void;
    },
  ) {}

  /** True while the group is paused for the sink. */
  get active(): boolean {
    return this.paused;
  }

  /** The sink's probe; false when it throws. Heartbeats meanwhile when given the batch's scope. */
  async probe(scope?: BatchScope): Promise<boolean> {
    try {
      const probe = this.deps.sink.probe();
      return await (scope ? scope.keepAlive(probe) : probe);
    } catch {
      return false;
    }
  }

  /** Pauses the group and probes until the sink takes writes again (once: a second call is a no-op). */
  start(error: unknown, reason: string): void {
    if (this.paused) return;
    this.paused = true;
    const { log, group, sink, stopSignal } = this.deps;
    this.deps.pause();
    log.warn(
      { err: error, group, sink: sink.name, reason },
      "sink unavailable: consumption paused until its write probe succeeds",
    );
    void (async () => {
      const started = Date.now();
      for (let attempt = 0; !stopSignal.aborted; attempt++) {
        const delay = Math.min(10_000, this.deps.probeIntervalMs * 2 ** Math.min(attempt, 5));
        try {
          await sleep(delay, undefined, { signal: stopSignal });
        } catch {
          return;
        }
        this.deps.liveness.touch();
        if (await this.probe()) {
          this.paused = false;
          this.deps.resume();
          log.info({ group, pausedMs: Date.now() - started }, "sink takes writes again: consumption resumed");
          return;
        }
      }
    })();
  }
}
