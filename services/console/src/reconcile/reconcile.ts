import { randomUUID } from "node:crypto";
import { idSetDigest, type ReconciliationEntry } from "@parakey-bridge/audit/reconciliation-ledger";
import { type DoorEvent, decodeDoorEvent, isSuccessfulUnlock, localDateOf } from "@parakey-bridge/contracts";
import type { TimedRecord } from "@parakey-bridge/kafka";
import { NotFoundError } from "@parakey-bridge/service-kit";
import { daysBetween, instantWindow, type ReconcileRange } from "./range.js";
import { SINKS, type SinkName, type SinkSource } from "./sink-source.js";

/** The places an event should be in; `topic` is the event topic. */
export type Place = "parakey" | "topic" | SinkName;
export const PLACES: readonly Place[] = ["parakey", "topic", ...SINKS];

/** One domain and local day of a report. */
export interface DayReport {
  domainId: string;
  date: string;
  counts: Record<Place, number>;
  /** Ids Parakey holds (or the topic carries) that a place lacks. Billing expects successful unlocks only. */
  missing: Record<Exclude<Place, "parakey">, string[]>;
  /** Ids a place holds that Parakey does not know. */
  unknown: Record<Exclude<Place, "parakey">, string[]>;
  /** Ids on the topic more than once (normal for an at-least-once topic; shown, not a failure). */
  topicCopies: Record<string, number>;
  verdict: "complete" | "incomplete";
}

export interface ReconcileReport {
  id: string;
  domainId: string | null;
  fromDate: string;
  toDate: string;
  days: DayReport[];
  verdict: "complete" | "incomplete";
  malformedParakeyItems: number;
  startedAt: string;
  completedAt: string;
}

/** What reconciling reads: Parakey, the topic and the sinks (each behind one function). */
export interface ReconcileSources {
  parakey(start: Date, end: Date): Promise<{ events: DoorEvent[]; malformed: number }>;
  topic(since: Date): Promise<TimedRecord[]>;
  sinks: SinkSource;
  timeZoneOf(domainId: string): string;
  knownDomains(): Promise<string[]>;
  clockSkewMs: number;
  now(): Date;
  progress?(stage: string, detail?: Record<string, number>): void;
}

/**
 * Reconciles a range: for each domain and local day (in the domain's zone), the ids Parakey holds,
 * the ids on the event topic (read from the range's start by timestamp, not from the beginning), and
 * the ids each sink holds; what each place misses, what it holds that Parakey does not know, and a
 * verdict. An unknown domain is a `NotFoundError`.
 *
 * @example
 * const report = await reconcile({ domainId: "dom_1", fromDate: "2026-11-23", toDate: "2026-11-23" }, sources);
 * report.days[0]?.missing.billing; // ["el_…"]
 */
export async function reconcile(range: ReconcileRange, sources: ReconcileSources): Promise<ReconcileReport> {
  const startedAt = sources.now().toISOString();
  if (range.domainId !== null) {
    const known = await sources.knownDomains();
    if (!known.includes(range.domainId)) throw new NotFoundError(`unknown domain ${range.domainId}`);
  }
  const window = instantWindow(range);
  const wanted = new Set(daysBetween(range.fromDate, range.toDate));
  const inRange = (domainId: string | null, occurredAt: string): domainId is string =>
    domainId !== null &&
    (range.domainId === null || domainId === range.domainId) &&
    wanted.has(localDateOf(occurredAt, sources.timeZoneOf(domainId)));
  const dayKey = (domainId: string, occurredAt: string) =>
    `${domainId}\u0000${localDateOf(occurredAt, sources.timeZoneOf(domainId))}`;

  sources.progress?.("parakey");
  const parakey = await sources.parakey(window.start, window.end);
  const events = new Map<string, DoorEvent>();
  for (const event of parakey.events)
    if (inRange(event.domainId, event.occurredAt)) events.set(event.eventLogId, event);

  sources.progress?.("topic", { parakeyEvents: events.size });
  const topicRecords = await sources.topic(new Date(window.start.getTime() - sources.clockSkewMs));
  const topic = new Map<string, { event: DoorEvent; copies: number }>();
  for (const record of topicRecords) {
    const decoded = decodeDoorEvent(record.value);
    if (!decoded.ok || !inRange(decoded.value.domainId, decoded.value.occurredAt)) continue;
    const seen = topic.get(decoded.value.eventLogId);
    topic.set(decoded.value.eventLogId, {
      event: seen?.event ?? decoded.value,
      copies: (seen?.copies ?? 0) + 1,
    });
  }

  sources.progress?.("sinks", { parakeyEvents: events.size, topicEvents: topic.size });
  const auditRows = (await sources.sinks.auditInWindow(window.start, window.end, range.domainId)).filter(
    (r) => inRange(r.domainId, r.occurredAt),
  );
  // Where an id belongs: Parakey's event when known, else what the topic or audit says about it.
  const facts = new Map<string, { domainId: string; occurredAt: string; success: boolean | null }>();
  for (const [id, { event }] of topic)
    facts.set(id, {
      domainId: event.domainId as string,
      occurredAt: event.occurredAt,
      success: event.success,
    });
  for (const r of auditRows)
    if (!facts.has(r.id) && r.domainId !== null)
      facts.set(r.id, { domainId: r.domainId, occurredAt: r.occurredAt, success: null });
  for (const [id, event] of events)
    facts.set(id, {
      domainId: event.domainId as string,
      occurredAt: event.occurredAt,
      success: event.success,
    });
  const candidates = [...facts.keys()];
  const held: Record<SinkName, Set<string>> = {
    audit: new Set(auditRows.map((r) => r.id)),
    billing: await sources.sinks.held("billing", candidates),
    checkin: await sources.sinks.held("checkin", candidates),
  };

  const days = new Map<string, DayReport>();
  const dayOf = (domainId: string, occurredAt: string): DayReport => {
    const key = dayKey(domainId, occurredAt);
    let day = days.get(key);
    if (day === undefined) {
      day = emptyDay(domainId, localDateOf(occurredAt, sources.timeZoneOf(domainId)));
      days.set(key, day);
    }
    return day;
  };
  if (range.domainId !== null)
    for (const date of wanted) days.set(`${range.domainId}\u0000${date}`, emptyDay(range.domainId, date));

  for (const [id, fact] of facts) {
    const day = dayOf(fact.domainId, fact.occurredAt);
    const known = events.has(id);
    const onTopic = topic.get(id);
    if (known) day.counts.parakey += 1;
    if (onTopic) {
      day.counts.topic += 1;
      if (onTopic.copies > 1) day.topicCopies[id] = onTopic.copies;
      if (!known) day.unknown.topic.push(id);
    } else if (known) day.missing.topic.push(id);
    for (const sink of SINKS) {
      const has = held[sink].has(id);
      if (has) {
        day.counts[sink] += 1;
        if (!known) day.unknown[sink].push(id);
      } else if (known && expectedIn(sink, events.get(id) as DoorEvent)) day.missing[sink].push(id);
    }
  }
  const sorted = [...days.values()].sort((a, b) => (a.domainId + a.date < b.domainId + b.date ? -1 : 1));
  for (const day of sorted) {
    for (const list of [...Object.values(day.missing), ...Object.values(day.unknown)]) list.sort();
    const clean =
      Object.values(day.missing).every((l) => l.length === 0) &&
      Object.values(day.unknown).every((l) => l.length === 0);
    day.verdict = clean ? "complete" : "incomplete";
  }
  return {
    id: randomUUID(),
    domainId: range.domainId,
    fromDate: range.fromDate,
    toDate: range.toDate,
    days: sorted,
    verdict: sorted.every((d) => d.verdict === "complete") ? "complete" : "incomplete",
    malformedParakeyItems: parakey.malformed,
    startedAt,
    completedAt: sources.now().toISOString(),
  };
}

/** Billing meters successful unlocks only; the audit trail and check-in see every event. */
function expectedIn(sink: SinkName, event: DoorEvent): boolean {
  return sink === "billing" ? isSuccessfulUnlock(event) : true;
}

function emptyDay(domainId: string, date: string): DayReport {
  return {
    domainId,
    date,
    counts: { parakey: 0, topic: 0, audit: 0, billing: 0, checkin: 0 },
    missing: { topic: [], audit: [], billing: [], checkin: [] },
    unknown: { topic: [], audit: [], billing: [], checkin: [] },
    topicCopies: {},
    verdict: "complete",
  };
}

/** Every id a repair must re-send: missing from the topic or from any sink. */
export function missingIds(report: ReconcileReport): string[] {
  const ids = new Set<string>();
  for (const day of report.days)
    for (const list of Object.values(day.missing)) for (const id of list) ids.add(id);
  return [...ids].sort();
}

/**
 * The ledger entry of a report: range, counts per place, verdict, and a digest of each place's
 * missing and unknown id sets (so the ids a report named can be checked against the chain later).
 */
export function ledgerEntryOf(report: ReconcileReport): ReconciliationEntry {
  const counts: Record<string, number> = {};
  const digests: Record<string, string> = {};
  for (const place of PLACES) counts[place] = report.days.reduce((n, d) => n + d.counts[place], 0);
  for (const place of PLACES) {
    if (place === "parakey") continue;
    digests[`missing.${place}`] = idSetDigest(report.days.flatMap((d) => d.missing[place]));
    digests[`unknown.${place}`] = idSetDigest(report.days.flatMap((d) => d.unknown[place]));
  }
  return {
    id: report.id,
    domainId: report.domainId,
    fromDate: report.fromDate,
    toDate: report.toDate,
    verdict: report.verdict,
    counts,
    digests,
    completedAt: report.completedAt,
  };
}
