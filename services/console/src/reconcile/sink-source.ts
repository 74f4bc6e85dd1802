import type { Queryable } from "@parakey-bridge/storage";

/** The sinks reconciled, in report order. */
export const SINKS = ["audit", "billing", "checkin"] as const;
export type SinkName = (typeof SINKS)[number];

/** One sink row of an event: what the event path shows. */
export interface SinkRow {
  sink: SinkName;
  eventLogId: string;
  writtenAt: string;
  detail: Record<string, unknown>;
}

/**
 * Read-only queries on the three sinks' own databases (their tables, as their migrations define
 * them). Audit rows carry domain and time, so a range finds rows Parakey does not know; billing's
 * and check-in's claim tables carry only ids, so they are asked about the candidate ids.
 */
export class SinkSource {
  constructor(private readonly dbs: Record<SinkName, Queryable>) {}

  /** Audit rows whose lock time lies in [start, end): id and domain. */
  async auditInWindow(
    start: Date,
    end: Date,
    domainId: string | null,
  ): Promise<{ id: string; domainId: string | null; occurredAt: string }[]> {
    const { rows } = await this.dbs.audit.query<{
      event_log_id: string;
      domain_id: string | null;
      occurred_at: Date;
    }>(
      `SELECT event_log_id, domain_id, occurred_at FROM audit_events
       WHERE occurred_at >= $1 AND occurred_at < $2 AND ($3::text IS NULL OR domain_id = $3)`,
      [start.toISOString(), end.toISOString(), domainId],
    );
    return rows.map((r) => ({
      id: r.event_log_id,
      domainId: r.domain_id,
      occurredAt: new Date(r.occurred_at).toISOString(),
    }));
  }

  /** Which of `ids` each sink holds. */
  async held(sink: SinkName, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const table =
      sink === "audit" ? "audit_events" : sink === "billing" ? "metered_unlocks" : "processed_unlocks";
    const { rows } = await this.dbs[sink].query<{ event_log_id: string }>(
      `SELECT event_log_id FROM ${table} WHERE event_log_id = ANY($1::text[])`,
      [ids],
    );
    return new Set(rows.map((r) => r.event_log_id));
  }

  /** Domains the audit store has seen (the console's list of known places). */
  async knownDomains(): Promise<string[]> {
    const { rows } = await this.dbs.audit.query<{ chain_domain: string }>(
      "SELECT chain_domain FROM chain_heads WHERE chain_domain <> '' ORDER BY chain_domain",
    );
    return rows.map((r) => r.chain_domain);
  }

  /** Every sink's row of one event, with when it was written. */
  async rowsOf(eventLogId: string): Promise<SinkRow[]> {
    const audit = await this.eventRows<{
      via: string;
      kafka_partition: number;
      kafka_offset: string;
      trace_id: string | null;
      duplicates: number;
      domain_id: string | null;
      occurred_at: Date;
    }>(
      "audit",
      `SELECT first_seen_at AS written_at, via, kafka_partition, kafka_offset::text AS kafka_offset, trace_id, duplicates, domain_id, occurred_at
       FROM audit_events WHERE event_log_id = $1`,
      eventLogId,
      (r) => ({
        via: r.via,
        partition: r.kafka_partition,
        offset: r.kafka_offset,
        traceId: r.trace_id,
        duplicatesSeen: r.duplicates,
        domainId: r.domain_id,
        occurredAt: new Date(r.occurred_at).toISOString(),
      }),
    );
    const billing = await this.eventRows<{ period: string; domain_id: string }>(
      "billing",
      "SELECT metered_at AS written_at, period, domain_id FROM metered_unlocks WHERE event_log_id = $1",
      eventLogId,
      (r) => ({ period: r.period, domainId: r.domain_id }),
    );
    const checkin = await this.eventRows(
      "checkin",
      "SELECT processed_at AS written_at FROM processed_unlocks WHERE event_log_id = $1",
      eventLogId,
      () => ({}),
    );
    return [...audit, ...billing, ...checkin];
  }

  /** One sink's rows of an event: `sql` reads them with their `written_at`, `detail` what the path shows. */
  private async eventRows<R extends object>(
    sink: SinkName,
    sql: string,
    eventLogId: string,
    detail: (row: R) => Record<string, unknown>,
  ): Promise<SinkRow[]> {
    const { rows } = await this.dbs[sink].query<R & { written_at: Date }>(sql, [eventLogId]);
    return rows.map((r) => ({
      sink,
      eventLogId,
      writtenAt: new Date(r.written_at).toISOString(),
      detail: detail(r),
    }));
  }
}
