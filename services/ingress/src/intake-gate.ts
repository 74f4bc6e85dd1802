import { errorResponse } from "@parakey-bridge/service-kit";
import type { MiddlewareHandler } from "hono";

/**
 * Closes the webhook for new requests when the service shuts down. The listener closes too, but
 * requests on already-open keep-alive connections still arrive: they get `503` with `Retry-After`
 * (Parakey retries them; never 410) and the connection is closed after the answer.
 *
 * @example
 * const intake = new IntakeGate();
 * app.use("*", intake.middleware(30));
 * intake.close(); // on SIGTERM, before draining in-flight requests
 */
export class IntakeGate {
  private open = true;

  get isOpen(): boolean {
    return this.open;
  }

  close(): void {
    this.open = false;
  }

  middleware(retryAfterSeconds: number): MiddlewareHandler {
    return async (c, next) => {
      if (this.open) return next();
      c.set("outcome" as never, "shutting_down" as never);
      c.header("Retry-After", String(retryAfterSeconds));
      c.header("Connection", "close");
      return errorResponse(c, "shutting_down", "this replica is shutting down, retry later");
    };
  }
}
