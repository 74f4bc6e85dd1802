import type { DoorEvent } from "@parakey-bridge/contracts";
import type { ParakeyClient } from "@parakey-bridge/parakey-client";

/**
 * The event logs Parakey holds whose lock time (`occurredAt`) lies in [start, end): every event log
 * recorded (`createdAt`) from `start` (an event is recorded at or after it happened) until
 * `end + maxUploadDelayMs` (a lock offline longer than that is outside what a reconciliation
 * promises), read with the client's verified paging (`readWindow`, the same as the poller's): a read
 * Parakey's answers cannot prove complete throws `ParakeyPagingError`, and the reconciliation fails
 * rather than report ids missing that were only not read. Malformed items are counted, not returned:
 * they have no usable id.
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
  const events: DoorEvent[] = [];
  let malformed = 0;
  for await (const page of client.readWindow(start, {
    until: new Date(end.getTime() + options.maxUploadDelayMs),
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
    }
  }
  return { events, malformed };
}
