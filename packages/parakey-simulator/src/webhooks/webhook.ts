import type { Logger } from "@parakey-bridge/telemetry";
import { type DeliveryFilterSettings, deliveryVerdict, type FilterVerdict } from "./delivery-filter.js";
import { retryDelayMs } from "./retry-schedule.js";

/** What Parakey puts in `User-Agent` (the version is Parakey's worker, not the payload version). */
export const WEBHOOK_USER_AGENT = "Parakey-WebhookWorker/1.0";

/** A webhook as configured in Parakey's settings. */
export interface WebhookSettings extends DeliveryFilterSettings {
  url: string;
  /** Custom headers, e.g. `Authorization: Basic …` — the only authentication Parakey offers. */
  headers?: Record<string, string>;
}

export interface WebhookDeps {
  fetch: typeof fetch;
  /** Multiplies every retry delay: 1 is Parakey's real schedule, 0.001 runs it in about a second. */
  retryTimeScale: number;
  /** A receiver slower than this failed the attempt (Parakey: 15 s). */
  timeoutMs: number;
  log: Logger;
}

/** What happened to this webhook's deliveries so far. */
export interface WebhookStats {
  id: string;
  url: string;
  /** A receiver answered 410 Gone: nothing is sent to this webhook any more. */
  disabled: boolean;
  /** Deliveries acknowledged with a 2xx. */
  delivered: number;
  /** Attempts answered with a non-2xx (other than 410), timed out or failed to connect. */
  failedAttempts: number;
  /** Deliveries given up for good after the last retry failed. */
  dropped: number;
  /** Deliveries stopped or never started because the webhook was disabled. */
  cancelled: number;
  /** Event logs the webhook's settings left out. */
  filtered: Record<Exclude<FilterVerdict, "send">, number>;
  /** Deliveries being attempted or waiting for their next retry. */
  pending: number;
}

interface Delivery {
  eventLogId: string;
  body: string;
  /** Retries made so far (0 during the first attempt). */
  retries: number;
  timer?: ReturnType<typeof setTimeout>;
  inFlight?: AbortController;
}

type AttemptOutcome = { kind: "delivered" } | { kind: "gone" } | { kind: "failed"; reason: string };

/**
 * One configured webhook, delivering like Parakey does: each event log POSTed alone as the body, the
 * custom headers plus `Content-Type: application/json` and `User-Agent: Parakey-WebhookWorker/1.0`.
 * A 2xx within the timeout is delivered; anything else is retried on the schedule of
 * `retry-schedule.ts`, and dropped for good after the last retry. A 410 Gone disables the webhook:
 * no retries, no new deliveries.
 *
 * @example
 * const hook = new Webhook("wh_1", { url, headers: { authorization: "Basic …" } }, deps);
 * hook.publish(eventLog);
 * await hook.idle();
 */
export class Webhook {
  private readonly pendingDeliveries = new Set<Delivery>();
  private idleWaiters: (() => void)[] = [];
  private disabledFlag = false;
  private closed = false;
  private readonly counts = {
    delivered: 0,
    failedAttempts: 0,
    dropped: 0,
    cancelled: 0,
    filtered: { too_old: 0, other_device: 0, other_domain: 0 },
  };

  constructor(
    readonly id: string,
    readonly settings: WebhookSettings,
    private readonly deps: WebhookDeps,
  ) {}

  get disabled(): boolean {
    return this.disabledFlag;
  }

  /** Sends a new event log, if the settings want it. Returns at once; delivery runs in the background. */
  publish(eventLog: Record<string, unknown>): void {
    if (this.closed) return;
    if (this.disabledFlag) {
      this.counts.cancelled += 1;
      return;
    }
    const verdict = deliveryVerdict(eventLog, this.settings);
    if (verdict !== "send") {
      this.counts.filtered[verdict] += 1;
      return;
    }
    const delivery: Delivery = {
      eventLogId: String(eventLog.id),
      body: JSON.stringify(eventLog),
      retries: 0,
    };
    this.pendingDeliveries.add(delivery);
    void this.attempt(delivery);
  }

  stats(): WebhookStats {
    return {
      id: this.id,
      url: this.settings.url,
      disabled: this.disabledFlag,
      ...this.counts,
      filtered: { ...this.counts.filtered },
      pending: this.pendingDeliveries.size,
    };
  }

  /** Resolves once no delivery is in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (this.pendingDeliveries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops everything: pending retries are forgotten, requests in flight are aborted, nothing is counted. */
  close(): void {
    this.closed = true;
    for (const delivery of this.pendingDeliveries) this.stop(delivery);
    this.pendingDeliveries.clear();
    this.settleIdle();
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const outcome = await this.post(delivery);
    if (this.closed) return;
    const log = this.deps.log;
    const context = { webhook: this.id, eventLogId: delivery.eventLogId, retries: delivery.retries };
    if (outcome.kind === "delivered") {
      this.counts.delivered += 1;
      log.debug(context, "webhook delivered");
      return this.settle(delivery);
    }
    if (outcome.kind === "gone") {
      log.warn(context, "webhook answered 410 Gone: disabling it, as Parakey does");
      this.counts.cancelled += 1;
      this.settle(delivery);
      return this.disable();
    }
    this.counts.failedAttempts += 1;
    if (this.disabledFlag) {
      // Disabled by another delivery's 410 while this one was in flight: no retry.
      this.counts.cancelled += 1;
      return this.settle(delivery);
    }
    const delayMs = retryDelayMs(delivery.retries + 1, this.deps.retryTimeScale);
    if (delayMs === undefined) {
      this.counts.dropped += 1;
      log.warn({ ...context, reason: outcome.reason }, "webhook delivery dropped after the last retry");
      return this.settle(delivery);
    }
    log.info({ ...context, reason: outcome.reason, retryInMs: delayMs }, "webhook attempt failed");
    delivery.retries += 1;
    delivery.timer = setTimeout(() => {
      delivery.timer = undefined;
      void this.attempt(delivery);
    }, delayMs);
  }

  private async post(delivery: Delivery): Promise<AttemptOutcome> {
    const controller = new AbortController();
    delivery.inFlight = controller;
    // A plain timer rather than AbortSignal.timeout, so fake timers in tests control it too.
    const timeout = setTimeout(() => controller.abort(new Error("timeout")), this.deps.timeoutMs);
    try {
      const response = await this.deps.fetch(this.settings.url, {
        method: "POST",
        headers: {
          ...this.settings.headers,
          "content-type": "application/json",
          "user-agent": WEBHOOK_USER_AGENT,
        },
        body: delivery.body,
        signal: controller.signal,
      });
      // Parakey reads only the status; the body is discarded so the connection can be reused.
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return { kind: "delivered" };
      if (response.status === 410) return { kind: "gone" };
      return { kind: "failed", reason: `status ${response.status}` };
    } catch (error) {
      const reason = controller.signal.aborted ? "timeout" : `network: ${(error as Error).message}`;
      return { kind: "failed", reason };
    } finally {
      clearTimeout(timeout);
      delivery.inFlight = undefined;
    }
  }

  private disable(): void {
    this.disabledFlag = true;
    for (const delivery of this.pendingDeliveries) {
      // Those waiting for a retry stop now; those in flight are settled when their answer comes.
      if (delivery.timer !== undefined) {
        this.stop(delivery);
        this.counts.cancelled += 1;
        this.settle(delivery);
      }
    }
  }

  private stop(delivery: Delivery): void {
    if (delivery.timer !== undefined) clearTimeout(delivery.timer);
    delivery.timer = undefined;
    delivery.inFlight?.abort(new Error("simulator closed"));
  }

  private settle(delivery: Delivery): void {
    this.pendingDeliveries.delete(delivery);
    if (this.pendingDeliveries.size === 0) this.settleIdle();
  }

  private settleIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
