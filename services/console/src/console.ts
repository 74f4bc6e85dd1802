import { appendReconciliation } from "@parakey-bridge/audit/reconciliation-ledger";
import { type DoorEvent, decodeDoorEvent, doorEventRecord } from "@parakey-bridge/contracts";
import { type BatchingProducer, deadLetterTopic, type Kafka, readTopicSince } from "@parakey-bridge/kafka";
import type { ParakeyClient } from "@parakey-bridge/parakey-client";
import { type Clock, NotFoundError, ValidationError } from "@parakey-bridge/service-kit";
import type { Db } from "@parakey-bridge/storage";
import type { Logger } from "@parakey-bridge/telemetry";
import type { ConsoleMetrics } from "./metrics.js";
import { readParakeyWindow } from "./reconcile/parakey-source.js";
import { EventLogId, type ReconcileRange } from "./reconcile/range.js";
import { ledgerEntryOf, missingIds, type ReconcileReport, reconcile } from "./reconcile/reconcile.js";
import type { SinkRow, SinkSource } from "./reconcile/sink-source.js";

export interface ConsoleDeps {
  kafka: Kafka;
  producer: BatchingProducer;
  /** One client per Parakey integration (each token sees its own event logs). */
  parakey: ParakeyClient[];
  sinks: SinkSource;
  auditDb: Db;
  topics: { eventLogs: string; rejected: string };
  groups: string[];
  domains: string[];
  timeZones: { default: string; byDomain: Record<string, string> };
  maxUploadDelayMs: number;
  clockSkewMs: number;
  clock: Clock;
  log: Logger;
  metrics: ConsoleMetrics;
}

/** The outcome of a repair: what was re-sent and what could not be found at Parakey. */
export interface RepairResult {
  resent: string[];
  notFound: string[];
}

/** One copy of an event on a topic. */
export interface TopicCopy {
  topic: string;
  kind: "event" | "rejected" | "dead-letter";
  partition: number;
  offset: string;
  at: string;
  via: string | null;
  traceId: string | null;
  reason: string | null;
}

export interface EventPath {
  eventLogId: string;
  occurredAt: string | null;
  domainId: string | null;
  traceIds: string[];
  copies: TopicCopy[];
  sinks: SinkRow[];
}

const MAX_REPAIR_IDS = 10_000;

/**
 * What the console and its CLI do: reconcile a range (and record the result in the audit ledger),
 * repair what is missing through the normal produce path, and trace one event's path.
 */
export class Console {
  constructor(private readonly deps: ConsoleDeps) {}

  timeZoneOf(domainId: string): string {
    const zones = this.deps.timeZones.byDomain;
    return Object.hasOwn(zones, domainId)
      ? (zones[domainId] ?? this.deps.timeZones.default)
      : this.deps.timeZones.default;
  }

  async knownDomains(): Promise<string[]> {
    return [
      ...new Set([
        ...this.deps.domains,
        ...Object.keys(this.deps.timeZones.byDomain),
        ...(await this.deps.sinks.knownDomains()),
      ]),
    ].sort();
  }

  /**
   * Reconciles and records the result in the audit store's reconciliation chain; a failed run counts
   * in the metrics and rethrows.
   */
  async reconcile(
    range: ReconcileRange,
    progress?: (stage: string, detail?: Record<string, number>) => void,
  ): Promise<ReconcileReport> {
    const { deps } = this;
    const timer = deps.metrics.duration.startTimer();
    try {
      const report = await reconcile(range, {
        parakey: (start, end) => this.readParakey(start, end, progress),
        topic: (since) =>
          readTopicSince(deps.kafka, deps.topics.eventLogs, since, {
            log: deps.log,
            ...(progress ? { onProgress: (read, total) => progress("topic", { read, total }) } : {}),
          }),
        sinks: deps.sinks,
        timeZoneOf: (domainId) => this.timeZoneOf(domainId),
        knownDomains: () => this.knownDomains(),
        clockSkewMs: deps.clockSkewMs,
        now: () => deps.clock.now(),
        ...(progress ? { progress } : {}),
      });
      await deps.auditDb.transaction((tx) =>
        appendReconciliation(tx, ledgerEntryOf(report), deps.clock.now()),
      );
      deps.metrics.runs.inc({ verdict: report.verdict });
      deps.metrics.incomplete.set(report.verdict === "complete" ? 0 : 1);
      const missing = missingIds(report).length;
      deps.metrics.missing.set(missing);
      deps.log.info(
        { reconciliation: report.id, verdict: report.verdict, days: report.days.length, missing },
        "reconciliation recorded",
      );
      return report;
    } catch (error) {
      if (!(error instanceof NotFoundError || error instanceof ValidationError))
        deps.metrics.runs.inc({ verdict: "failed" });
      throw error;
    } finally {
      timer();
    }
  }

  /** Reconciles the range, then re-sends exactly the ids it found missing. */
  async repairRange(range: ReconcileRange): Promise<RepairResult & { report: ReconcileReport }> {
    const report = await this.reconcile(range);
    return { report, ...(await this.repairIds(missingIds(report))) };
  }

  /**
   * Re-sends event logs by id through the normal path: read from Parakey, normalized as the poller
   * does (`via: "poll"`), produced to the event topic keyed by device. Every sink dedupes on the
   * event log id, so a sink that holds an event already ignores the copy: nothing is applied twice.
   */
  async repairIds(ids: readonly string[]): Promise<RepairResult> {
    if (ids.length > MAX_REPAIR_IDS) throw new ValidationError(`at most ${MAX_REPAIR_IDS} ids per repair`);
    for (const id of ids) {
      const parsed = EventLogId.safeParse(id);
      if (!parsed.success)
        throw new ValidationError(`malformed event log id: ${JSON.stringify(id).slice(0, 140)}`);
    }
    const resent: string[] = [];
    const notFound: string[] = [];
    for (const id of [...new Set(ids)]) {
      const event = await this.findAtParakey(id);
      if (event === undefined) {
        notFound.push(id);
        continue;
      }
      await this.deps.producer.send(doorEventRecord(event, this.deps.topics.eventLogs));
      resent.push(id);
    }
    this.deps.metrics.repaired.inc(resent.length);
    this.deps.log.info(
      { resent: resent.length, notFound: notFound.length },
      "repair produced the missing events",
    );
    return { resent, notFound };
  }

  /**
   * Where one event went: every copy on the event topic, its rejected and dead-lettered copies, each
   * sink's row and when it was written, and its trace ids. The topics are read from the event's own
   * time (by timestamp), never from their beginning.
   */
  async eventPath(id: string): Promise<EventPath> {
    if (!EventLogId.safeParse(id).success) throw new ValidationError("malformed event log id");
    const { deps } = this;
    const sinks = await deps.sinks.rowsOf(id);
    const parakey = await this.findAtParakey(id);
    const auditOccurred = sinks.find((r) => r.sink === "audit")?.detail.occurredAt;
    const occurredAt = parakey?.occurredAt ?? (typeof auditOccurred === "string" ? auditOccurred : null);
    if (occurredAt === null)
      throw new NotFoundError(`event log ${id} is neither at Parakey nor in the audit store`);
    const since = new Date(Date.parse(occurredAt) - deps.clockSkewMs);
    const copies: TopicCopy[] = [];
    const read = async (
      topic: string,
      kind: TopicCopy["kind"],
      matches: (r: { headers: Record<string, string>; value: Buffer | null }) => boolean,
    ) => {
      let records: Awaited<ReturnType<typeof readTopicSince>>;
      try {
        records = await readTopicSince(deps.kafka, topic, since, { log: deps.log, keep: matches });
      } catch (error) {
        // A group's dead-letter topic exists only once that group dead-lettered something.
        deps.log.debug({ err: error, topic }, "topic not read for the event path");
        return;
      }
      for (const r of records) {
        copies.push({
          topic,
          kind,
          partition: r.partition,
          offset: r.offset,
          at: new Date(r.timestamp).toISOString(),
          via: r.headers.ce_via ?? r.headers["pb-via"] ?? viaOf(r.value),
          traceId: traceIdOf(r.headers.traceparent),
          reason: r.headers["pb-reject-reason"] ?? r.headers["pb-dlq-error-message"] ?? null,
        });
      }
    };
    const byId = (r: { headers: Record<string, string> }) => r.headers.ce_id === id;
    await read(deps.topics.eventLogs, "event", byId);
    await read(deps.topics.rejected, "rejected", (r) => r.value?.includes(id) ?? false);
    for (const group of deps.groups) await read(deadLetterTopic(group), "dead-letter", byId);
    const traceIds = [
      ...new Set(
        [...copies.map((c) => c.traceId), ...sinks.map((s) => s.detail.traceId)].filter(
          (t): t is string => typeof t === "string",
        ),
      ),
    ];
    return { eventLogId: id, occurredAt, domainId: parakey?.domainId ?? null, traceIds, copies, sinks };
  }

  private async readParakey(
    start: Date,
    end: Date,
    progress?: (stage: string, detail?: Record<string, number>) => void,
  ): Promise<{ events: DoorEvent[]; malformed: number }> {
    const events: DoorEvent[] = [];
    let malformed = 0;
    let items = 0;
    for (const client of this.deps.parakey) {
      const read = await readParakeyWindow(client, start, end, {
        maxUploadDelayMs: this.deps.maxUploadDelayMs,
        ...(progress
          ? {
              onPage: (count: number) => {
                items += count;
                progress("parakey", { items });
              },
            }
          : {}),
      });
      events.push(...read.events);
      malformed += read.malformed;
    }
    return { events, malformed };
  }

  private async findAtParakey(id: string): Promise<DoorEvent | undefined> {
    for (const client of this.deps.parakey) {
      const result = await client.getEventLog(id);
      if (result.status === "ok" && result.item.ok) return result.item.event;
    }
    return undefined;
  }
}

function traceIdOf(traceparent: string | undefined): string | null {
  return traceparent?.split("-")[1] ?? null;
}

function viaOf(value: Buffer | null): string | null {
  const decoded = decodeDoorEvent(value);
  return decoded.ok ? decoded.value.via : null;
}
