import type { Component } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";

/**
 * Reconciles yesterday on a timer, so a gap is found without anyone asking (off unless
 * `RECONCILE_SCHEDULE_ENABLED`). A failed run is logged and counted by the reconcile metrics; the next
 * interval tries again. One run at a time.
 */
export class ScheduledReconciliation implements Component {
  readonly name = "scheduled-reconciliation";
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly options: { enabled: boolean; intervalMs: number; run(): Promise<void>; log: Logger },
  ) {}

  async start(): Promise<void> {
    if (!this.options.enabled) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
    this.tick();
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.options
      .run()
      .catch((error: unknown) => this.options.log.error({ err: error }, "scheduled reconciliation failed"))
      .finally(() => {
        this.running = undefined;
      });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
