import { Topics } from "@parakey-bridge/contracts";
import { readToEnd } from "@parakey-bridge/testkit/launchers";
import { Kafka, logLevel } from "kafkajs";
import type pg from "pg";
import type { Created } from "./load.js";

/** Per sink: when each event log id was stored (a sink holds an id at most once per row). */
export interface SinkRows {
  /** id → rows holding it (more than one = applied twice). */
  rows: Map<string, number>;
  /** id → when the row was written (ms). */
  storedMs: Map<string, number>;
}

export interface SinkSnapshot {
  audit: SinkRows & { viaPoll: Set<string> };
  billing: SinkRows;
  checkin: SinkRows;
  /**
   * Effects beyond one per stored id, summed over the whole store: billing's meters minus its
   * metered ids, check-in's day counts minus its processed ids, audit rows missing from or doubled
   * in a hash chain. Rows are unique per id by their primary keys, so a double application shows
   * here, not in the row counts. Compared before and after a scenario.
   */
  excess: { billing: number; checkin: number; auditChain: number };
}

/** Reads what the three sinks hold for `ids`, straight from their PostgreSQL tables. */
export async function readSinks(db: pg.Pool, ids: readonly string[]): Promise<SinkSnapshot> {
  const rowsOf = async (sql: string): Promise<SinkRows & { viaPoll: Set<string> }> => {
    const { rows } = await db.query<{ id: string; n: number; at: Date; via: string | null }>(sql, [ids]);
    const result = {
      rows: new Map<string, number>(),
      storedMs: new Map<string, number>(),
      viaPoll: new Set<string>(),
    };
    for (const row of rows) {
      result.rows.set(row.id, row.n);
      result.storedMs.set(row.id, row.at.getTime());
      if (row.via === "poll") result.viaPoll.add(row.id);
    }
    return result;
  };
  const audit = await rowsOf(
    `SELECT event_log_id AS id, count(*)::int AS n, min(first_seen_at) AS at, min(via) AS via
       FROM audit.audit_events WHERE event_log_id = ANY($1) GROUP BY event_log_id`,
  );
  const billing = await rowsOf(
    `SELECT event_log_id AS id, count(*)::int AS n, min(metered_at) AS at, NULL AS via
       FROM billing.metered_unlocks WHERE event_log_id = ANY($1) GROUP BY event_log_id`,
  );
  const checkin = await rowsOf(
    `SELECT event_log_id AS id, count(*)::int AS n, min(processed_at) AS at, NULL AS via
       FROM checkin.processed_unlocks WHERE event_log_id = ANY($1) GROUP BY event_log_id`,
  );
  return { audit, billing, checkin, excess: await readExcess(db) };
}

async function readExcess(db: pg.Pool): Promise<SinkSnapshot["excess"]> {
  const one = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  const billing = await one(
    `SELECT (SELECT coalesce(sum(successful_unlocks), 0) FROM billing.usage_meters)
          + (SELECT coalesce(sum(successful_unlocks), 0) FROM billing.usage_adjustments)
          - (SELECT count(*) FROM billing.metered_unlocks) AS n`,
  );
  const checkin = await one(
    `SELECT (SELECT coalesce(sum(unlocks), 0) FROM checkin.day_unlocks)
          - (SELECT count(*) FROM checkin.processed_unlocks) AS n`,
  );
  // Each chain's rows are numbered 1..n without a gap or a repeat, and its head is row n.
  const auditChain = await one(
    `SELECT coalesce(sum(abs(c.rows - (c.last - c.first + 1)) + abs(c.last - h.seq) + (c.first - 1)), 0) AS n
       FROM (SELECT chain_domain, count(*) AS rows, min(chain_seq) AS first, max(chain_seq) AS last
               FROM audit.audit_events GROUP BY chain_domain) c
       JOIN audit.chain_heads h USING (chain_domain)`,
  );
  return { billing, checkin, auditChain };
}

/** How often each event log id is on the event topic (distinct Kafka records, by partition/offset). */
export async function tallyTopic(
  brokers: string,
  topic: string = Topics.eventLogs,
): Promise<Map<string, number>> {
  const kafka = new Kafka({
    clientId: "chaos-reconcile",
    brokers: brokers.split(","),
    logLevel: logLevel.NOTHING,
  });
  const seen = new Map<string, string>();
  await readToEnd(
    kafka,
    topic,
    (message, partition) => {
      const id = message.headers?.ce_id?.toString();
      // The reader itself may be handed a batch twice (rebalance); a record counts once.
      if (id !== undefined) seen.set(`${partition}:${message.offset}`, id);
    },
    { groupId: `chaos-reconcile-${Date.now()}-${process.pid}`, timeoutMs: 120_000 },
  );
  const counts = new Map<string, number>();
  for (const id of seen.values()) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** One scenario's row of the results table. */
export interface Figures {
  created: number;
  webhookOk: number;
  webhook503: number;
  webhookFailed: number;
  webhookDropped: number;
  recoveredByPoller: number;
  topicDistinct: number;
  topicDuplicates: number;
  auditRows: number;
  billingRows: number;
  billingExpected: number;
  checkinRows: number;
  lost: number;
  appliedTwice: number;
  maxDelayMs: number;
  /** From the fault being healed until everything created up to then was in every sink. */
  recoverMs: number | undefined;
}

/**
 * The reconciliation: every event log the simulator created must be in audit, in check-in's
 * processed set and, when metered, in billing's metered set, exactly once. `lost` counts ids
 * missing from a sink that must hold them (once per id); `appliedTwice` counts rows beyond one per
 * id plus the growth of each store's excess effects during the scenario.
 */
export function reconcile(input: {
  created: readonly Created[];
  sinks: SinkSnapshot;
  excessBefore: SinkSnapshot["excess"];
  topic: Map<string, number>;
  healedMs: number | undefined;
  webhook: { ok: number; unavailable: number; failed: number; dropped: number };
}): Figures {
  const { created, sinks, topic } = input;
  let lost = 0;
  let appliedTwice = 0;
  let maxDelayMs = 0;
  let topicDistinct = 0;
  let topicDuplicates = 0;
  let recoveredAtMs: number | undefined;
  for (const event of created) {
    const holders = [sinks.audit, sinks.checkin, ...(event.metered ? [sinks.billing] : [])];
    if (holders.some((sink) => !sink.rows.has(event.id))) lost += 1;
    for (const sink of [sinks.audit, sinks.checkin, sinks.billing]) {
      appliedTwice += Math.max(0, (sink.rows.get(event.id) ?? 0) - 1);
    }
    if (!event.metered && sinks.billing.rows.has(event.id)) appliedTwice += 1;
    const stored = holders.map((sink) => sink.storedMs.get(event.id)).filter((ms) => ms !== undefined);
    if (stored.length === holders.length) {
      const last = Math.max(...stored);
      maxDelayMs = Math.max(maxDelayMs, last - event.createdMs);
      if (input.healedMs !== undefined && event.createdMs <= input.healedMs) {
        recoveredAtMs = Math.max(recoveredAtMs ?? 0, last);
      }
    }
    const onTopic = topic.get(event.id) ?? 0;
    if (onTopic > 0) topicDistinct += 1;
    topicDuplicates += Math.max(0, onTopic - 1);
  }
  const after = sinks.excess;
  const before = input.excessBefore;
  appliedTwice +=
    Math.max(0, after.billing - before.billing) +
    Math.max(0, after.checkin - before.checkin) +
    Math.max(0, after.auditChain - before.auditChain);
  const ids = new Set(created.map((event) => event.id));
  const count = (sink: SinkRows) => [...sink.rows.keys()].filter((id) => ids.has(id)).length;
  return {
    created: created.length,
    webhookOk: input.webhook.ok,
    webhook503: input.webhook.unavailable,
    webhookFailed: input.webhook.failed,
    webhookDropped: input.webhook.dropped,
    recoveredByPoller: [...sinks.audit.viaPoll].filter((id) => ids.has(id)).length,
    topicDistinct,
    topicDuplicates,
    auditRows: count(sinks.audit),
    billingRows: count(sinks.billing),
    billingExpected: created.filter((event) => event.metered).length,
    checkinRows: count(sinks.checkin),
    lost,
    appliedTwice,
    maxDelayMs,
    recoverMs:
      input.healedMs === undefined || lost > 0
        ? undefined
        : Math.max(0, (recoveredAtMs ?? input.healedMs) - input.healedMs),
  };
}
