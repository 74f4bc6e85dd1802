import type { Clock } from "@parakey-bridge/service-kit";
import type { MiddlewareHandler } from "hono";
import type { ContentfulStatusCode, StatusCode } from "hono/utils/http-status";
import { parakeyError } from "./parakey-error.js";

/** What a faulty request answers. */
export type Fault =
  | {
      kind: "rate_limit";
      /** How long the client should wait; no Retry-After header at all when absent. */
      retryAfterSeconds?: number;
      /** Send Retry-After as delta-seconds (default) or as the HTTP date that many seconds from now. */
      retryAfterAs?: "seconds" | "http-date";
    }
  | { kind: "server_error"; status: number }
  | { kind: "slow"; delayMs: number };

/** A fault for the next `count` requests to Parakey's API (default 1). */
export type FaultSpec = Fault & { count?: number };

/**
 * Faults queued for the next requests to `/eventLogs*`, one per request in order. The control API
 * (`POST /_sim/faults`) and tests in-process share it.
 *
 * @example
 * faults.inject({ kind: "rate_limit", retryAfterSeconds: 1, count: 2 });
 * faults.inject({ kind: "server_error", status: 503 });
 * faults.inject({ kind: "slow", delayMs: 2_000 });
 */
export class FaultInjector {
  private readonly queue: Fault[] = [];

  inject(spec: FaultSpec): void {
    const { count = 1, ...fault } = spec;
    for (let i = 0; i < count; i++) this.queue.push(fault as Fault);
  }

  /** The fault for the request arriving now, if any. */
  take(): Fault | undefined {
    return this.queue.shift();
  }

  /** How many requests will still be faulty. */
  get pending(): number {
    return this.queue.length;
  }

  clear(): void {
    this.queue.length = 0;
  }
}

/**
 * Answers the request with the next queued fault, if any: 429 (with Retry-After when the fault has
 * one), a 5xx, or a normal answer after a delay. A slow answer gives up early when the client hangs
 * up, so a timed-out client does not keep the simulator busy.
 *
 * @example
 * app.use("*", faultMiddleware(faults, parakeyClock));
 */
export function faultMiddleware(faults: FaultInjector, clock: Clock): MiddlewareHandler {
  return async (c, next) => {
    const fault = faults.take();
    if (fault?.kind === "rate_limit") {
      if (fault.retryAfterSeconds !== undefined) {
        const at = new Date(clock.nowMs() + fault.retryAfterSeconds * 1000);
        c.header(
          "Retry-After",
          fault.retryAfterAs === "http-date" ? at.toUTCString() : String(fault.retryAfterSeconds),
        );
      }
      return parakeyError(c, 429, "rate_limited", "too many requests (injected fault)");
    }
    if (fault?.kind === "server_error") {
      return parakeyError(c, fault.status as ContentfulStatusCode, "server_error", "injected fault");
    }
    if (fault?.kind === "slow") {
      const signal = c.req.raw.signal;
      try {
        await sleep(fault.delayMs, signal);
      } catch (error) {
        if (!signal.aborted) throw error;
        // The client is gone; nobody reads this answer.
        return c.body(null, 499 as StatusCode);
      }
    }
    await next();
  };
}

/** A sleep on the global timer (which fake timers control), cut short when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
