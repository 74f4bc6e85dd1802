import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Liveness } from "./liveness.js";

/**
 * The partition batch being processed, and what work on it may do: keep the member alive while a
 * long call runs, wait without being evicted, and learn when to give up (the runner stops, or a
 * rebalance took the partition). Every step of batch processing takes this one object.
 */
export class BatchScope {
  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly deps: {
      heartbeat: () => Promise<void>;
      /** False once the runner stops or the batch went stale (rebalance). */
      canContinue: () => boolean;
      liveness: Liveness;
      heartbeatIntervalMs: number;
      stopSignal: AbortSignal;
      log: Logger;
    },
  ) {}

  canContinue(): boolean {
    return this.deps.canContinue();
  }

  heartbeat(): Promise<void> {
    return this.deps.heartbeat();
  }

  /**
   * Heartbeats while a long sink call or send runs, so the member is not evicted meanwhile. The
   * call counts as in flight for liveness.
   */
  async keepAlive<R>(work: Promise<R>): Promise<R> {
    const timer = setInterval(() => {
      this.deps.heartbeat().catch((error: unknown) => {
        this.deps.log.debug({ err: error }, "heartbeat during a sink write failed");
      });
    }, this.deps.heartbeatIntervalMs);
    try {
      return await this.deps.liveness.during(work);
    } finally {
      clearInterval(timer);
    }
  }

  /** Waits `ms`, heartbeating; false when the wait was cut short (stopping, rebalance). */
  async wait(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!this.canContinue()) return false;
      try {
        await sleep(Math.min(this.deps.heartbeatIntervalMs, until - Date.now()), undefined, {
          signal: this.deps.stopSignal,
        });
        await this.deps.heartbeat();
      } catch {
        return false;
      }
      this.deps.liveness.touch();
    }
    return this.canContinue();
  }
}
