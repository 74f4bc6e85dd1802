import {
  type EventLogOrder,
  type ResolvedEventLogsQuery,
  selectEventLogs,
} from "@parakey-bridge/parakey-client";
import { BridgeError, type Clock } from "@parakey-bridge/service-kit";
import { Prng } from "../world/prng.js";
import { DOCUMENTED_PAGING, type PagingBehaviour } from "./paging-behaviour.js";

/** An event log as Parakey holds it: any JSON object with an id, served exactly as stored. */
export type StoredEventLog = Record<string, unknown> & { id: string | number };

interface Entry {
  eventLog: StoredEventLog;
  /** `createdAt` as a number; the arrival time on Parakey's clock when the payload has none. */
  createdAtMs: number;
}

export type NewEventLogsListener = (eventLogs: StoredEventLog[]) => void;

/**
 * Parakey's event-log table. Keeps arrival order (which breaks `createdAt` ties unless the paging
 * behaviour shuffles them), answers queries under its {@link PagingBehaviour}, and tells listeners
 * (the webhook sender) about every new event log.
 *
 * Payloads are stored verbatim, even malformed ones a test adds on purpose; one without a readable
 * `createdAt` is filed under its arrival time.
 *
 * @example
 * const store = new EventLogStore(parakeyClock);
 * store.onAdded((logs) => webhooks.publish(logs));
 * store.add(generator.tick());
 */
export class EventLogStore {
  private readonly entries: Entry[] = [];
  private readonly byId = new Map<string, Entry>();
  private readonly listeners: NewEventLogsListener[] = [];
  /** Every entry in each order, built on the first query after a change (a query is then a binary search). */
  private readonly sorted: Partial<Record<EventLogOrder, Entry[]>> = {};

  /** How `GET /eventLogs` treats what Parakey does not document; tests and `/_sim/paging` change it. */
  paging: PagingBehaviour = DOCUMENTED_PAGING;
  /** Shuffles ties under `ties: "unstable"` (seeded, so a failing run can be replayed). */
  private readonly random = new Prng(0x7e57);

  constructor(
    private readonly clock: Clock,
    /** Oldest event logs are forgotten beyond this many, so a long run cannot exhaust memory. */
    private readonly maxEventLogs = 500_000,
  ) {}

  /**
   * Adds event logs as if Parakey just received them. Throws on a duplicate id: Parakey's ids are
   * unique, and a test that reuses one is wrong.
   */
  add(eventLogs: readonly StoredEventLog[]): StoredEventLog[] {
    const seen = new Set<string>();
    for (const eventLog of eventLogs) {
      const key = String(eventLog.id);
      if (this.byId.has(key) || seen.has(key)) throw new DuplicateEventLogError(key);
      seen.add(key);
    }
    for (const eventLog of eventLogs) {
      const parsed = typeof eventLog.createdAt === "string" ? Date.parse(eventLog.createdAt) : Number.NaN;
      const entry = { eventLog, createdAtMs: Number.isNaN(parsed) ? this.clock.nowMs() : parsed };
      this.entries.push(entry);
      this.forgetSortedViews();
      this.byId.set(String(eventLog.id), entry);
    }
    while (this.entries.length > this.maxEventLogs) {
      const dropped = this.entries.shift();
      if (dropped) this.byId.delete(String(dropped.eventLog.id));
      this.forgetSortedViews();
    }
    if (eventLogs.length > 0) for (const listener of this.listeners) listener([...eventLogs]);
    return [...eventLogs];
  }

  /**
   * `GET /eventLogs` as the simulated server answers it under its {@link PagingBehaviour}: the
   * parameters it ignores are dropped, the cap applied, then the same result as `selectEventLogs`
   * over the entries in arrival order. Filtering keeps the relative order of a stable sort, so the
   * matches are a suffix (ASC) or prefix (DESC) of the whole sorted store, found by binary search
   * instead of a sort per page (a 100 000-event backfill reads 1 000 pages).
   */
  query(query: ResolvedEventLogsQuery): StoredEventLog[] {
    const paging = this.paging;
    const cap = paging.limitCap;
    return this.select(
      {
        startDate: query.startDate,
        orderBy: paging.ascending === "honoured" ? query.orderBy : "createdAt:DESC",
        offset: paging.offset === "honoured" ? query.offset : 0,
        limit: cap === undefined ? query.limit : Math.min(query.limit ?? cap, cap),
      },
      paging,
    );
  }

  private select(query: ResolvedEventLogsQuery, paging: PagingBehaviour): StoredEventLog[] {
    const view = this.sortedView(query.orderBy);
    const from = query.startDate?.getTime();
    let first = 0;
    let end = view.length;
    if (from !== undefined) {
      const ascending = query.orderBy === "createdAt:ASC";
      const inclusive = paging.startDate === "inclusive";
      const kept = (entry: Entry) => (inclusive ? entry.createdAtMs >= from : entry.createdAtMs > from);
      // ASC: the first entry kept; DESC: the first entry no longer kept.
      const boundary = partitionPoint(view, (entry) => (ascending ? !kept(entry) : kept(entry)));
      if (ascending) first = boundary;
      else end = boundary;
    }
    const matching = paging.ties === "unstable" ? this.shuffleTies(view.slice(first, end)) : view;
    const base = paging.ties === "unstable" ? 0 : first;
    const last = paging.ties === "unstable" ? end - first : end;
    const start = Math.min(base + query.offset, last);
    const stop = query.limit === undefined ? last : Math.min(start + query.limit, last);
    return matching.slice(start, stop).map((entry) => entry.eventLog);
  }

  /** Each run of entries sharing one `createdAt`, in a new order on every request. */
  private shuffleTies(entries: Entry[]): Entry[] {
    for (let runStart = 0; runStart < entries.length; ) {
      let runEnd = runStart + 1;
      while (runEnd < entries.length && entries[runEnd]?.createdAtMs === entries[runStart]?.createdAtMs)
        runEnd++;
      for (let i = runEnd - 1; i > runStart; i--) {
        const j = this.random.int(runStart, i);
        [entries[i], entries[j]] = [entries[j] as Entry, entries[i] as Entry];
      }
      runStart = runEnd;
    }
    return entries;
  }

  get(id: string): StoredEventLog | undefined {
    return this.byId.get(id)?.eventLog;
  }

  /** Every event log, oldest `createdAt` first. */
  all(): StoredEventLog[] {
    return this.select(
      { startDate: undefined, orderBy: "createdAt:ASC", limit: undefined, offset: 0 },
      { ...DOCUMENTED_PAGING, ties: "stable" },
    );
  }

  get size(): number {
    return this.entries.length;
  }

  onAdded(listener: NewEventLogsListener): void {
    this.listeners.push(listener);
  }

  private sortedView(order: EventLogOrder): Entry[] {
    let view = this.sorted[order];
    if (view === undefined) {
      const all = { startDate: undefined, orderBy: order, limit: undefined, offset: 0 };
      view = selectEventLogs(this.entries, all, (entry) => entry.createdAtMs);
      this.sorted[order] = view;
    }
    return view;
  }

  private forgetSortedViews(): void {
    delete this.sorted["createdAt:ASC"];
    delete this.sorted["createdAt:DESC"];
  }
}

/** The index of the first element for which `before` is false (`before` holds for a prefix). */
function partitionPoint<T>(items: readonly T[], before: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(items[middle] as T)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A second event log with an id already stored: answered 409 by the control API. */
export class DuplicateEventLogError extends BridgeError {
  constructor(readonly eventLogId: string) {
    super("duplicate_event_log", `an event log with id ${eventLogId} already exists`, { status: 409 });
    this.name = "DuplicateEventLogError";
  }
}
