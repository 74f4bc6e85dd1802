import type { DoorEvent } from "@parakey-bridge/contracts";
import type { InboundRecord, WriteOutcome } from "@parakey-bridge/kafka";
import { BridgeError, type Clock, systemClock } from "@parakey-bridge/service-kit";
import { type Db, type Queryable, SinkOffsets } from "@parakey-bridge/storage";
import { commitPersonalData, newSalt } from "../chain/commitment.js";
import { type ChainFields, chainHash, GENESIS_HASH } from "../chain/hash-chain.js";
import { type Cursor, encodeCursor } from "../cursor.js";
import { joinPersonalData, type PersonalData, splitPersonalData } from "../personal-data.js";

/** The chain key of an event: its domain, or '' (never a real domain id) when it has none. */
export const chainDomainOf = (domainId: string | null): string => domainId ?? "";

interface NewRow extends ChainFields {
  userId: string | null;
  personal: PersonalData;
  personalSalt: string;
  prevHash: string;
  hash: string;
}

/** One event as listed. */
export interface AuditEventSummary {
  eventLogId: string;
  domainId: string | null;
  deviceId: string;
  userId: string | null;
  success: boolean | null;
  occurredAt: string;
  recordedAt: string;
  receivedAt: string;
  delayMs: number;
  via: string;
  firstSeenAt: string;
  duplicates: number;
  personalDataErased: boolean;
}

/** One event with everything the store knows about it. */
export interface AuditEventDetail extends AuditEventSummary {
  payloadVersion: string;
  /** The event log as received; without its personal members once erased. */
  payload: Record<string, unknown>;
  kafka: { topic: string; partition: number; offset: string };
  traceId: string | null;
  lastDuplicateAt: string | null;
  erasedAt: string | null;
  chain: { domain: string; seq: string; prevHash: string; hash: string };
}

export interface ListQuery {
  domainId?: string | undefined;
  /** Only events of these domains (a principal limited to some); undefined: any domain. */
  domainIds?: readonly string[] | undefined;
  deviceId?: string | undefined;
  userId?: string | undefined;
  /** occurredAt >= from */
  from?: Date | undefined;
  /** occurredAt < to */
  to?: Date | undefined;
  limit: number;
  after?: Cursor | undefined;
}

const iso = (value: string): string => new Date(value).toISOString();

const SUMMARY_COLUMNS = `event_log_id, domain_id, device_id, user_id, success, occurred_at, recorded_at,
  received_at, delay_ms::text AS delay_ms, via, first_seen_at, duplicates, erased_at`;

interface SummaryRow {
  event_log_id: string;
  domain_id: string | null;
  device_id: string;
  user_id: string | null;
  success: boolean | null;
  occurred_at: Date;
  recorded_at: Date;
  received_at: Date;
  delay_ms: string;
  via: string;
  first_seen_at: Date;
  duplicates: number;
  erased_at: Date | null;
}

interface DetailRow extends SummaryRow {
  payload_version: string;
  payload: Record<string, unknown>;
  personal: PersonalData | null;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
  trace_id: string | null;
  last_duplicate_at: Date | null;
  chain_domain: string;
  chain_seq: string;
  prev_hash: string;
  hash: string;
}

/**
 * The audit store: appends door events exactly once into per-domain hash chains, and reads them.
 *
 * Exactly once, whatever Kafka delivers: the event log id is the primary key (a second record of
 * the same event only counts a duplicate), and the Kafka offsets of each partition are kept in the
 * same transaction (`SinkOffsets`), so a record delivered again after a crash or a replay is
 * recognized as a redelivery — it neither adds a row nor counts as a duplicate. The duplicate count
 * is therefore the number of distinct duplicate records on the topic.
 */
export class AuditStore {
  private readonly offsets: SinkOffsets;
  private readonly clock: Clock;

  constructor(
    private readonly db: Db,
    options: { group: string; clock?: Clock },
  ) {
    this.offsets = new SinkOffsets(options.group);
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Appends consecutive records of one partition in one transaction; returns what happened to each.
   * Chain heads are locked in domain order, so concurrent appends (other partitions, a zombie member
   * during a rebalance) serialize per domain and never deadlock.
   */
  async append(records: readonly InboundRecord<DoorEvent>[]): Promise<WriteOutcome[]> {
    const first = records[0];
    if (!first) return [];
    const { topic, partition } = first;
    if (records.some((r) => r.topic !== topic || r.partition !== partition)) {
      throw new BridgeError("mixed_partitions", "append takes records of one partition");
    }
    const traceParents = records.map((r) => r.traceContext);
    return this.db.transaction(
      async (tx) => {
        const next = await this.offsets.lock(tx, topic, partition);
        const domains = [...new Set(records.map((r) => chainDomainOf(r.value.domainId)))].sort();
        const heads = await lockHeads(tx, domains);
        const ids = [...new Set(records.map((r) => r.value.eventLogId))];
        const { rows: existing } = await tx.query<{ event_log_id: string }>(
          "SELECT event_log_id FROM audit_events WHERE event_log_id = ANY($1::text[])",
          [ids],
        );
        const known = new Set(existing.map((row) => row.event_log_id));
        const firstSeenAt = this.clock.now().toISOString();
        const rows: NewRow[] = [];
        const duplicates = new Map<string, number>();
        const outcomes: WriteOutcome[] = records.map((record) => {
          const redelivery = next !== null && BigInt(record.offset) < next;
          const id = record.value.eventLogId;
          if (known.has(id)) {
            if (redelivery) return "redelivered";
            duplicates.set(id, (duplicates.get(id) ?? 0) + 1);
            return "duplicate";
          }
          known.add(id);
          rows.push(this.chainRow(record, heads, firstSeenAt));
          return "stored";
        });
        if (rows.length > 0) await insertRows(tx, rows);
        const moved = domains.filter((domain) => heads.get(domain)?.moved);
        if (moved.length > 0) {
          await tx.query(
            `UPDATE chain_heads h SET seq = u.seq, hash = u.hash
             FROM jsonb_to_recordset($1::jsonb) AS u(chain_domain text, seq bigint, hash text)
             WHERE h.chain_domain = u.chain_domain`,
            [
              JSON.stringify(
                moved.map((d) => ({ chain_domain: d, seq: heads.get(d)?.seq, hash: heads.get(d)?.hash })),
              ),
            ],
          );
        }
        if (duplicates.size > 0) {
          await tx.query(
            `UPDATE audit_events e SET duplicates = e.duplicates + d.n, last_duplicate_at = $2
             FROM jsonb_to_recordset($1::jsonb) AS d(event_log_id text, n integer)
             WHERE e.event_log_id = d.event_log_id`,
            [JSON.stringify([...duplicates].map(([event_log_id, n]) => ({ event_log_id, n }))), firstSeenAt],
          );
        }
        const last = records[records.length - 1] as InboundRecord<DoorEvent>;
        await this.offsets.advance(tx, topic, partition, BigInt(last.offset) + 1n);
        return outcomes;
      },
      { traceParents },
    );
  }

  private chainRow(record: InboundRecord<DoorEvent>, heads: Map<string, Head>, firstSeenAt: string): NewRow {
    const event = record.value;
    const chainDomain = chainDomainOf(event.domainId);
    const head = heads.get(chainDomain) as Head;
    const { payload, personal } = splitPersonalData(event.eventLog, event.userId);
    const personalSalt = newSalt();
    const fields: ChainFields = {
      chainDomain,
      seq: (BigInt(head.seq) + 1n).toString(),
      eventLogId: event.eventLogId,
      domainId: event.domainId,
      deviceId: event.deviceId,
      success: event.success,
      occurredAt: iso(event.occurredAt),
      recordedAt: iso(event.recordedAt),
      receivedAt: iso(event.receivedAt),
      delayMs: event.delayMs,
      via: event.via,
      payloadVersion: event.payloadVersion,
      payload,
      personalCommitment: commitPersonalData(personal, personalSalt),
      kafkaTopic: record.topic,
      kafkaPartition: record.partition,
      kafkaOffset: record.offset,
      traceId: record.traceId,
      firstSeenAt,
    };
    const hash = chainHash(fields, head.hash);
    const row: NewRow = {
      ...fields,
      userId: event.userId,
      personal,
      personalSalt,
      prevHash: head.hash,
      hash,
    };
    head.seq = fields.seq;
    head.hash = hash;
    head.moved = true;
    return row;
  }

  /**
   * Events matching the filters, newest first (by occurredAt, then event log id), one page at a time.
   *
   * @example
   * const page = await store.list({ domainId: "dom_hq", limit: 50 });
   * const more = page.nextCursor && await store.list({ domainId: "dom_hq", limit: 50, after: decodeCursor(page.nextCursor) });
   */
  async list(query: ListQuery): Promise<{ items: AuditEventSummary[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (query.domainId !== undefined) add((p) => `domain_id = ${p}`, query.domainId);
    if (query.domainIds !== undefined) add((p) => `domain_id = ANY(${p}::text[])`, [...query.domainIds]);
    if (query.deviceId !== undefined) add((p) => `device_id = ${p}`, query.deviceId);
    if (query.userId !== undefined) add((p) => `user_id = ${p}`, query.userId);
    if (query.from !== undefined) add((p) => `occurred_at >= ${p}`, query.from.toISOString());
    if (query.to !== undefined) add((p) => `occurred_at < ${p}`, query.to.toISOString());
    if (query.after !== undefined) {
      params.push(query.after.occurredAt, query.after.eventLogId);
      where.push(`(occurred_at, event_log_id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(query.limit + 1);
    const { rows } = await this.db.query<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM audit_events
       ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY occurred_at DESC, event_log_id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, query.limit).map(summary);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > query.limit && last
        ? encodeCursor({ occurredAt: last.occurredAt, eventLogId: last.eventLogId })
        : null;
    return { items: page, nextCursor };
  }

  /** One event by its event log id, or undefined. */
  async get(eventLogId: string): Promise<AuditEventDetail | undefined> {
    const { rows } = await this.db.query<DetailRow>(
      `SELECT ${SUMMARY_COLUMNS}, payload_version, payload, personal, kafka_topic, kafka_partition,
              kafka_offset::text AS kafka_offset, trace_id, last_duplicate_at, chain_domain,
              chain_seq::text AS chain_seq, prev_hash, hash
       FROM audit_events WHERE event_log_id = $1`,
      [eventLogId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      ...summary(row),
      payloadVersion: row.payload_version,
      payload: joinPersonalData(row.payload, row.personal),
      kafka: { topic: row.kafka_topic, partition: row.kafka_partition, offset: row.kafka_offset },
      traceId: row.trace_id,
      lastDuplicateAt: row.last_duplicate_at?.toISOString() ?? null,
      erasedAt: row.erased_at?.toISOString() ?? null,
      chain: { domain: row.chain_domain, seq: row.chain_seq, prevHash: row.prev_hash, hash: row.hash },
    };
  }
}

interface Head {
  seq: string;
  hash: string;
  moved: boolean;
}

/** Creates missing chain heads and locks all of them, in domain order. */
async function lockHeads(tx: Queryable, domains: string[]): Promise<Map<string, Head>> {
  await tx.query(
    "INSERT INTO chain_heads (chain_domain, seq, hash) SELECT d, 0, $2 FROM unnest($1::text[]) AS d ON CONFLICT DO NOTHING",
    [domains, GENESIS_HASH],
  );
  const { rows } = await tx.query<{ chain_domain: string; seq: string; hash: string }>(
    `SELECT chain_domain, seq::text AS seq, hash FROM chain_heads
     WHERE chain_domain = ANY($1::text[]) ORDER BY chain_domain FOR UPDATE`,
    [domains],
  );
  return new Map(rows.map((row) => [row.chain_domain, { seq: row.seq, hash: row.hash, moved: false }]));
}

async function insertRows(tx: Queryable, rows: NewRow[]): Promise<void> {
  const json = rows.map((row) => ({
    event_log_id: row.eventLogId,
    chain_domain: row.chainDomain,
    chain_seq: row.seq,
    domain_id: row.domainId,
    device_id: row.deviceId,
    success: row.success,
    occurred_at: row.occurredAt,
    recorded_at: row.recordedAt,
    received_at: row.receivedAt,
    delay_ms: row.delayMs,
    via: row.via,
    payload_version: row.payloadVersion,
    payload: row.payload,
    user_id: row.userId,
    personal: row.personal,
    personal_salt: row.personalSalt,
    personal_commitment: row.personalCommitment,
    kafka_topic: row.kafkaTopic,
    kafka_partition: row.kafkaPartition,
    kafka_offset: row.kafkaOffset,
    trace_id: row.traceId,
    first_seen_at: row.firstSeenAt,
    prev_hash: row.prevHash,
    hash: row.hash,
  }));
  const columns =
    "event_log_id, chain_domain, chain_seq, domain_id, device_id, success, occurred_at, recorded_at, received_at, delay_ms, via, payload_version, payload, user_id, personal, personal_salt, personal_commitment, kafka_topic, kafka_partition, kafka_offset, trace_id, first_seen_at, prev_hash, hash";
  const { rows: inserted } = await tx.query<{ event_log_id: string }>(
    `INSERT INTO audit_events (${columns})
     SELECT ${columns} FROM jsonb_to_recordset($1::jsonb) AS r(
       event_log_id text, chain_domain text, chain_seq bigint, domain_id text, device_id text,
       success boolean, occurred_at timestamptz, recorded_at timestamptz, received_at timestamptz,
       delay_ms bigint, via text, payload_version text, payload jsonb, user_id text, personal jsonb,
       personal_salt text, personal_commitment text, kafka_topic text, kafka_partition integer,
       kafka_offset bigint, trace_id text, first_seen_at timestamptz, prev_hash text, hash text)
     ON CONFLICT (event_log_id) DO NOTHING
     RETURNING event_log_id`,
    [JSON.stringify(json)],
    { collection: "audit_events" },
  );
  if (inserted.length !== rows.length) {
    // Another writer stored one of these events after we looked (possible only with the same event
    // in two domains): the chain positions computed here are wrong, so the whole transaction retries.
    throw new BridgeError("chain_conflict", "an event was stored concurrently; retrying the batch", {
      retryable: true,
      status: 503,
    });
  }
}

function summary(row: SummaryRow): AuditEventSummary {
  return {
    eventLogId: row.event_log_id,
    domainId: row.domain_id,
    deviceId: row.device_id,
    userId: row.user_id,
    success: row.success,
    occurredAt: row.occurred_at.toISOString(),
    recordedAt: row.recorded_at.toISOString(),
    receivedAt: row.received_at.toISOString(),
    delayMs: Number(row.delay_ms),
    via: row.via,
    firstSeenAt: row.first_seen_at.toISOString(),
    duplicates: row.duplicates,
    personalDataErased: row.erased_at !== null,
  };
}
