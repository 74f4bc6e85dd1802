import type { Via } from "./door-event.js";
import type { Rejection } from "./normalize.js";

/** Request metadata kept with a rejected payload so an operator can trace where it came from. */
export interface RejectedMetadata {
  via: Via;
  receivedAt: Date;
  requestId?: string;
  userAgent?: string;
  contentType?: string;
  remoteAddress?: string;
  /** Poller: which integration read it. */
  integration?: string;
}

/**
 * Headers of a record on `parakey.event-logs.rejected.v1`. The record value is the payload's exact
 * bytes (never re-encoded), so it can be replayed once the contract learns to read it.
 *
 * @example
 * producer.send({ topic: Topics.rejected, messages: [{ key: null, value: body, headers: rejectedRecordHeaders(r, meta) }] });
 */
export function rejectedRecordHeaders(rejection: Rejection, meta: RejectedMetadata): Record<string, string> {
  const headers: Record<string, string> = {
    "pb-reject-reason": rejection.reason,
    "pb-reject-detail": rejection.detail,
    "pb-via": meta.via,
    "pb-received-at": meta.receivedAt.toISOString(),
  };
  const optional: [string, string | undefined][] = [
    ["pb-event-log-id", rejection.eventLogId],
    ["pb-device-id", rejection.deviceId],
    ["pb-request-id", meta.requestId],
    ["pb-user-agent", meta.userAgent],
    ["pb-content-type", meta.contentType],
    ["pb-remote-address", meta.remoteAddress],
    ["pb-integration", meta.integration],
  ];
  for (const [name, value] of optional) if (value !== undefined) headers[name] = value;
  return headers;
}

/** Key of a rejected record: the device when readable (keeps a door's story together), else none. */
export function rejectedRecordKey(rejection: Rejection): string | null {
  return rejection.deviceId ?? rejection.eventLogId ?? null;
}
