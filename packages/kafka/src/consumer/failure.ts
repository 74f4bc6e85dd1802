import { BridgeError, UnavailableError } from "@parakey-bridge/service-kit";

/**
 * What the consumer runtime does when a sink write fails:
 * - `pause`: the store cannot take writes right now, whatever the record (`UnavailableError`:
 *   unreachable, read-only after a failover, disk full, a revoked grant, a missing table). Every
 *   record would fail alike, so dead-lettering would empty the stream into the DLQ: the group
 *   pauses, probes the sink with a representative write and resumes by itself.
 * - `retry`: a conflict with other work (serialization failure, deadlock, lock or statement
 *   timeout, an exhausted pool) or an error of unknown kind. Retried in place with backoff; if it
 *   persists past the retry budget the group pauses like an outage — a healthy record is never
 *   dead-lettered for the store's trouble.
 * - `dead_letter`: the store rejects this record's data (a non-retryable `BridgeError`, e.g. a
 *   data exception or an integrity violation that is no dedupe). Only these go to the DLQ, after
 *   the record was isolated from its batch.
 *
 * @example
 * dispositionOf(new UnavailableError("db_unavailable", "read-only")); // "pause"
 */
export type FailureDisposition = "pause" | "retry" | "dead_letter";

export function dispositionOf(error: unknown): FailureDisposition {
  if (error instanceof UnavailableError) return "pause";
  if (error instanceof BridgeError && !error.retryable) return "dead_letter";
  return "retry";
}
