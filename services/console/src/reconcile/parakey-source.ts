import type { DoorEvent } from "@parakey-bridge/contracts";
import type { ParakeyClient } from "@parakey-bridge/parakey-client";

/**
 * The event logs Parakey holds whose lock time (`occurredAt`) lies in [start, end), read oldest
 * first from `start` (an event is recorded at or after it happened) until `createdAt` passes
 * `end + maxUploadDelayMs` (a lock offline longer than that is outside what a reconciliation
 * promises) or the list ends. Malformed items are counted, not returned: they have no usable id.
 *
 * The one place that knows how Parakey is paged for a reconciliation, so moving to the client's
 * verified-window reader (issue 13) changes only this function.
 *
 * @example
 * const { events } = await readParakeyWindow(client, start, end, { maxUploadDelayMs: 72 * 3_600_000 });
 */
export async function readParakeyWindow(
  client: ParakeyClient,
  start: Date,
  end: Date,
  options: {
    maxUploadDelayMs: number;
    pageSize?: number;
    onPage?: (items: number) => void;
    signal?: AbortSignal;
  },
): Promise<{ events: DoorEvent[]; malformed: number }> {
  const stopAt = end.getTime() + options.maxUploadDelayMs;
  const events: DoorEvent[] = [];
  let malformed = 0;
  pages: for await (const page of client.readEventLogsSince(start, {
    pageSize: options.pageSize ?? 500,
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    options.onPage?.(page.items.length);
    for (const item of page.items) {
      if (!item.ok) {
        malformed += 1;
        continue;
      }
      const occurred = Date.parse(item.event.occurredAt);
      if (occurred >= start.getTime() && occurred < end.getTime()) events.push(item.event);
      if (Date.parse(item.event.recordedAt) >= stopAt) break pages;
    }
  }
  return { events, malformed };
}
