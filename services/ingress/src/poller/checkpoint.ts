import { decodeRecordValue, parseInstant } from "@parakey-bridge/contracts";
import { z } from "zod";

/**
 * Where a poller (or a backfill) stands, stored on the compacted poller-state topic under its key.
 * Written only after Kafka acknowledged every event it accounts for, so a crash anywhere can only
 * make the next reader re-read (and re-produce, same `ce_id`), never skip.
 */
export interface PollerCheckpoint {
  /**
   * The ETag of `GET /eventLogs?limit=1` taken before the last read that completed. Saved only with
   * a completed read: a crash mid-read leaves the previous one, so the change check says "changed"
   * and the read runs again.
   */
  etag?: string;
  /** The largest `createdAt` seen in what was produced: Parakey's clock, never ours. */
  highWaterMark?: Date;
  /** Our clock when the read that saw `highWaterMark` began (see `pollStartDate`). */
  readAt?: Date;
  /** Our clock at the end of the last poll that completed (for the age gauge after a handover). */
  lastSuccessAt?: Date;
  /** Backfill only: every event of the range was produced. */
  done?: boolean;
}

const Instant = z.string().transform((raw, ctx) => {
  const instant = parseInstant(raw);
  if (instant === undefined) {
    ctx.addIssue({ code: "custom", message: "not an ISO-8601 instant" });
    return z.NEVER;
  }
  return instant;
});

const Stored = z.object({
  v: z.literal(1),
  etag: z.string().optional(),
  highWaterMark: Instant.optional(),
  readAt: Instant.optional(),
  lastSuccessAt: Instant.optional(),
  done: z.boolean().optional(),
});

/**
 * The record value of a checkpoint: versioned JSON, so a later format can still read this one.
 *
 * @example
 * encodeCheckpoint({ etag: '"abc"', highWaterMark: new Date("2026-11-23T08:00:00Z") });
 * // Buffer of {"v":1,"etag":"\"abc\"","highWaterMark":"2026-11-23T08:00:00.000Z"}
 */
export function encodeCheckpoint(checkpoint: PollerCheckpoint): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: 1,
      etag: checkpoint.etag,
      highWaterMark: checkpoint.highWaterMark?.toISOString(),
      readAt: checkpoint.readAt?.toISOString(),
      lastSuccessAt: checkpoint.lastSuccessAt?.toISOString(),
      done: checkpoint.done,
    }),
    "utf8",
  );
}

/**
 * Reads a checkpoint record value. A tombstone (an operator resetting the poller) is "no
 * checkpoint"; a value this version cannot read is an error value, never a silent fresh start that
 * would skip history.
 *
 * @example
 * const decoded = decodeCheckpoint(record.value);
 * if (decoded.ok) start(decoded.checkpoint); // undefined: none stored
 */
export function decodeCheckpoint(
  value: Buffer | null | undefined,
): { ok: true; checkpoint: PollerCheckpoint | undefined } | { ok: false; reason: string } {
  if (value === null || value === undefined) return { ok: true, checkpoint: undefined };
  const decoded = decodeRecordValue(Stored, value);
  if (!decoded.ok) return { ok: false, reason: `unreadable checkpoint: ${decoded.reason}` };
  const { v: _version, ...fields } = decoded.value;
  const checkpoint: PollerCheckpoint = {};
  for (const [name, field] of Object.entries(fields)) {
    if (field !== undefined) Object.assign(checkpoint, { [name]: field });
  }
  return { ok: true, checkpoint };
}

/** The key of an integration's poller checkpoint: the integration name. */
export function pollerCheckpointKey(integration: string): string {
  return integration;
}

/**
 * The key of a backfill's checkpoint: one per integration and range, so re-running the same command
 * resumes it and a different range starts afresh.
 *
 * @example
 * backfillCheckpointKey("acme", new Date("2026-11-01T00:00:00Z"), new Date("2026-11-02T00:00:00Z"));
 * // "backfill:acme:2026-11-01T00:00:00.000Z:2026-11-02T00:00:00.000Z"
 */
export function backfillCheckpointKey(integration: string, from: Date, to: Date): string {
  return `backfill:${integration}:${from.toISOString()}:${to.toISOString()}`;
}
