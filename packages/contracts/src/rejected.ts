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
  /**
   * Set when the record value is only a prefix of the payload (a body over the webhook limit, or a
   * payload larger than the rejected topic accepts): the whole payload's size and SHA-256 (hex).
   */
  truncatedFrom?: { bytes: number; sha256: string };
}

/**
 * Headers of a record on `parakey.event-logs.rejected.v1`. The record value is the payload's exact
 * bytes (never re-encoded), so it can be replayed once the contract learns to read it; or, with
 * `pb-truncated: true`, the first bytes of a payload too large to keep, with `pb-original-bytes` and
 * `pb-original-sha256` (hex) of the whole.
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
  if (meta.truncatedFrom) {
    headers["pb-truncated"] = "true";
    headers["pb-original-bytes"] = String(meta.truncatedFrom.bytes);
    headers["pb-original-sha256"] = meta.truncatedFrom.sha256;
  }
  return headers;
}

/** Key of a rejected record: the device when readable (keeps a door's story together), else none. */
export function rejectedRecordKey(rejection: Rejection): string | null {
  return rejection.deviceId ?? rejection.eventLogId ?? null;
}
