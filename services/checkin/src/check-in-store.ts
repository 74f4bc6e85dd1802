import type { CheckIn, DoorEvent } from "@parakey-bridge/contracts";
import type { InboundRecord, WriteOutcome } from "@parakey-bridge/kafka";
import {
  arrayLiteral,
  type Db,
  isNonEmpty,
  OffsetKeepingStore,
  type Queryable,
} from "@parakey-bridge/storage";
import { injectTraceContext } from "@parakey-bridge/telemetry";
import { type DayPlan, planDays } from "./check-in-rules.js";
import type { DomainSettings } from "./domain-settings.js";

/** A check-in as the API shows it: the published check-in plus how the person's day went on. */
export interface CheckInRecord extends CheckIn {
  firstSeenAt: string;
  lastSeenAt: string;
  lastDeviceId: string;
  unlockCount: number;
}

/** Every unlock of a domain's local day, check-ins or not. */
export interface DayUnlocks {
  unlocks: number;
  successfulUnlocks: number;
  anonymousUnlocks: number;
}

/** Where a page of a day's check-ins ends: the next page starts after this check-in. */
export interface DayCursor {
  occurredAt: string;
  userId: string;
}

/** One check-in waiting in the outbox to be published. */
export interface OutboxEntry {
  id: string;
  checkIn: CheckIn;
  /** Trace context of the unlock that made the check-in (`traceparent`). */
  traceHeaders: Record<string, string>;
}

/** What the HTTP API reads. */
export interface CheckInQueries {
  checkInsOfDay(
    domainId: string,
    localDate: string,
    page: { limit: number; after?: DayCursor | undefined },
  ): Promise<{ items: CheckInRecord[]; next: DayCursor | undefined }>;
  dayUnlocks(domainId: string, localDate: string): Promise<DayUnlocks>;
  checkInsOfUser(
    userId: string,
    range: { from: string; to: string; domainId?: string | undefined },
  ): Promise<CheckInRecord[]>;
}

/** The result of storing one batch of records. */
export interface StoredBatch {
  outcomes: WriteOutcome[];
  /** Check-ins this batch created (each also written to the outbox). */
  checkIns: CheckIn[];
  plan: DayPlan;
}

/**
 * The check-in service's PostgreSQL store. A batch is stored in one transaction together with the
 * partition's next offset and the outbox rows of the check-ins it created, so a crash anywhere
 * leaves either all of it or none: a check-in is never recorded without being queued for
 * publishing, and never queued twice.
 */
export class CheckInStore extends OffsetKeepingStore implements CheckInQueries {
  constructor(
    db: Db,
    private readonly settings: DomainSettings,
    group: string,
  ) {
    super(db, group);
  }

  /**
   * Stores consecutive records of one partition: event logs whose id is claimed now are new and
   * move the day counts and presences and may create check-ins; the others were seen before
   * (`redelivered` below the stored offset, `duplicate` otherwise). The offset only labels: after
   * a topic was recreated every new record is below the stored offset.
   */
  async writeBatch(records: readonly InboundRecord<DoorEvent>[]): Promise<StoredBatch> {
    if (!isNonEmpty(records)) {
      return { outcomes: [], checkIns: [], plan: { days: [], presences: [], noDomain: 0 } };
    }
    return this.inOffsetTransaction(records, async (tx, next) => {
      const outcomes: WriteOutcome[] = records.map(() => "stored");
      const newEvents = await claimNewEvents(tx, records, outcomes);
      records.forEach((record, index) => {
        if (outcomes[index] === "duplicate" && next !== null && BigInt(record.offset) < next) {
          outcomes[index] = "redelivered";
        }
      });
      const plan = planDays(newEvents, this.settings);
      const checkIns = await applyPresences(tx, plan);
      const traceOf = new Map(records.map((r) => [r.value.eventLogId, r.traceContext]));
      await enqueue(
        tx,
        checkIns.map((checkIn) => ({
          checkIn,
          traceHeaders: injectTraceContext({}, traceOf.get(checkIn.firstEventLogId)),
        })),
      );
      // Last before the offset: every batch of every partition adds to the same few day rows
      // (one per domain and day), and a concurrent batch waits for their row locks until this
      // transaction commits, so they are taken as late as possible.
      await addDayCounts(tx, plan);
      return { outcomes, checkIns, plan };
    });
  }

  async checkInsOfDay(
    domainId: string,
    localDate: string,
    page: { limit: number; after?: DayCursor | undefined },
  ): Promise<{ items: CheckInRecord[]; next: DayCursor | undefined }> {
    const after = page.after;
    const { rows } = await this.db.query<CheckInRow>(
      `SELECT ${checkInColumns} FROM check_ins
       WHERE domain_id = $1 AND local_date = $2::date
         AND ($3::timestamptz IS NULL OR (occurred_at, user_id) > ($3::timestamptz, $4::text))
       ORDER BY occurred_at, user_id
       LIMIT $5`,
      [domainId, localDate, after?.occurredAt ?? null, after?.userId ?? "", page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map(toRecord);
    const lastItem = items[items.length - 1];
    const next =
      rows.length > page.limit && lastItem !== undefined
        ? { occurredAt: lastItem.occurredAt, userId: lastItem.userId }
        : undefined;
    return { items, next };
  }

  async dayUnlocks(domainId: string, localDate: string): Promise<DayUnlocks> {
    const { rows } = await this.db.query<DayUnlocks>(
      `SELECT unlocks, successful_unlocks AS "successfulUnlocks", anonymous_unlocks AS "anonymousUnlocks"
       FROM day_unlocks WHERE domain_id = $1 AND local_date = $2::date`,
      [domainId, localDate],
    );
    return rows[0] ?? { unlocks: 0, successfulUnlocks: 0, anonymousUnlocks: 0 };
  }

  async checkInsOfUser(
    userId: string,
    range: { from: string; to: string; domainId?: string | undefined },
  ): Promise<CheckInRecord[]> {
    const { rows } = await this.db.query<CheckInRow>(
      `SELECT ${checkInColumns} FROM check_ins
       WHERE user_id = $1 AND local_date BETWEEN $2::date AND $3::date
         AND ($4::text IS NULL OR domain_id = $4::text)
       ORDER BY local_date, occurred_at, domain_id`,
      [userId, range.from, range.to, range.domainId ?? null],
    );
    return rows.map(toRecord);
  }

  /**
   * Takes up to `limit` unpublished check-ins, oldest first, and leases them for `leaseMs` so another
   * replica's publisher skips them. A lease that runs out (the holder crashed) frees the rows again.
   */
  async leaseOutbox(limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    const { rows } = await this.db.query<{
      id: string;
      payload: CheckIn | string;
      trace_headers: Record<string, string> | string;
    }>(
      `UPDATE check_in_outbox SET leased_until = now() + $2 * interval '1 millisecond'
       WHERE id IN (
         SELECT id FROM check_in_outbox
         WHERE leased_until IS NULL OR leased_until < now()
         ORDER BY id LIMIT $1
         FOR UPDATE SKIP LOCKED)
       RETURNING id::text AS id, payload, trace_headers`,
      [limit, leaseMs],
    );
    return rows
      .map((row) => ({
        id: row.id,
        checkIn: json<CheckIn>(row.payload),
        traceHeaders: json<Record<string, string>>(row.trace_headers),
      }))
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  /** Forgets outbox rows Kafka acknowledged. */
  async deleteOutbox(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query("DELETE FROM check_in_outbox WHERE id = ANY($1::bigint[])", [ids]);
  }

  /** Hands leased rows back (the send failed) so the next attempt need not wait for the lease. */
  async releaseOutbox(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query("UPDATE check_in_outbox SET leased_until = NULL WHERE id = ANY($1::bigint[])", [ids]);
  }

  /** Check-ins recorded but not yet acknowledged by Kafka. */
  async outboxSize(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM check_in_outbox");
    return rows[0]?.n ?? 0;
  }
}

/**
 * Records the event log ids of the batch's new records and returns those events, each once; marks
 * the others (seen before, or twice in this batch) as duplicates.
 */
async function claimNewEvents(
  tx: Queryable,
  records: readonly InboundRecord<DoorEvent>[],
  outcomes: WriteOutcome[],
): Promise<DoorEvent[]> {
  const candidates = [
    ...new Set(records.filter((_, i) => outcomes[i] === "stored").map((r) => r.value.eventLogId)),
  ].sort();
  if (candidates.length === 0) return [];
  const { rows } = await tx.query<{ event_log_id: string }>(
    `INSERT INTO processed_unlocks (event_log_id) SELECT unnest($1::text[])
     ON CONFLICT (event_log_id) DO NOTHING RETURNING event_log_id`,
    [candidates],
  );
  const claimed = new Set(rows.map((row) => row.event_log_id));
  const events: DoorEvent[] = [];
  records.forEach((record, i) => {
    if (outcomes[i] !== "stored") return;
    if (claimed.delete(record.value.eventLogId)) events.push(record.value);
    else outcomes[i] = "duplicate";
  });
  return events;
}

async function addDayCounts(tx: Queryable, plan: DayPlan): Promise<void> {
  if (plan.days.length === 0) return;
  await tx.query(
    `INSERT INTO day_unlocks (domain_id, local_date, unlocks, successful_unlocks, anonymous_unlocks)
     SELECT * FROM unnest($1::text[], $2::date[], $3::int[], $4::int[], $5::int[])
     ON CONFLICT (domain_id, local_date) DO UPDATE SET
       unlocks = day_unlocks.unlocks + EXCLUDED.unlocks,
       successful_unlocks = day_unlocks.successful_unlocks + EXCLUDED.successful_unlocks,
       anonymous_unlocks = day_unlocks.anonymous_unlocks + EXCLUDED.anonymous_unlocks`,
    [
      plan.days.map((d) => d.domainId),
      plan.days.map((d) => d.localDate),
      plan.days.map((d) => d.unlocks),
      plan.days.map((d) => d.successfulUnlocks),
      plan.days.map((d) => d.anonymousUnlocks),
    ],
  );
}

/**
 * Creates the check-ins of people not yet seen that day and moves the presence of those already
 * checked in (first/last seen, unlock count), in one statement. A check-in, once recorded, is never
 * rewritten: an earlier unlock uploaded later only moves `firstSeenAt`. `ON CONFLICT DO UPDATE`
 * also moves a row another partition's transaction inserted meanwhile (it waits for that one and
 * updates the committed row), which an UPDATE in the same statement as the insert would miss.
 * A returned row is new exactly when it names the candidate's unlock as its first: that unlock was
 * claimed in this transaction, so no row recorded before can name it. The column arrays travel as
 * array literals (`arrayLiteral`).
 */
async function applyPresences(tx: Queryable, plan: DayPlan): Promise<CheckIn[]> {
  if (plan.presences.length === 0) return [];
  const p = plan.presences;
  const c = p.map((presence) => presence.candidate);
  const { rows } = await tx.query<{ check_in_id: string; first_event_log_id: string }>(
    `INSERT INTO check_ins AS c (domain_id, local_date, user_id, check_in_id, time_zone, first_event_log_id,
       device_id, occurred_at, recorded_at, delay_ms, live, first_seen_at, last_seen_at, last_device_id,
       unlock_count)
     SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::text[], $6::text[],
       $7::text[], $8::timestamptz[], $9::timestamptz[], $10::bigint[], $11::boolean[],
       $12::timestamptz[], $13::timestamptz[], $14::text[], $15::int[])
     ON CONFLICT (domain_id, local_date, user_id) DO UPDATE SET
       first_seen_at = LEAST(c.first_seen_at, EXCLUDED.first_seen_at),
       last_device_id = CASE WHEN EXCLUDED.last_seen_at > c.last_seen_at THEN EXCLUDED.last_device_id ELSE c.last_device_id END,
       last_seen_at = GREATEST(c.last_seen_at, EXCLUDED.last_seen_at),
       unlock_count = c.unlock_count + EXCLUDED.unlock_count
     RETURNING check_in_id, first_event_log_id`,
    [
      arrayLiteral(c.map((x) => x.domainId)),
      arrayLiteral(c.map((x) => x.localDate)),
      arrayLiteral(c.map((x) => x.userId)),
      arrayLiteral(c.map((x) => x.checkInId)),
      arrayLiteral(c.map((x) => x.timeZone)),
      arrayLiteral(c.map((x) => x.firstEventLogId)),
      arrayLiteral(c.map((x) => x.deviceId)),
      arrayLiteral(c.map((x) => x.occurredAt)),
      arrayLiteral(c.map((x) => x.recordedAt)),
      arrayLiteral(c.map((x) => x.delayMs)),
      arrayLiteral(c.map((x) => x.live)),
      arrayLiteral(p.map((x) => x.firstSeenAt)),
      arrayLiteral(p.map((x) => x.lastSeenAt)),
      arrayLiteral(p.map((x) => x.lastDeviceId)),
      arrayLiteral(p.map((x) => x.unlockCount)),
    ],
  );
  const firstUnlockOf = new Map(rows.map((row) => [row.check_in_id, row.first_event_log_id]));
  return c.filter((checkIn) => firstUnlockOf.get(checkIn.checkInId) === checkIn.firstEventLogId);
}

async function enqueue(
  tx: Queryable,
  entries: readonly { checkIn: CheckIn; traceHeaders: Record<string, string> }[],
): Promise<void> {
  if (entries.length === 0) return;
  await tx.query(
    `INSERT INTO check_in_outbox (check_in_id, domain_id, payload, trace_headers)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[])`,
    [
      entries.map((e) => e.checkIn.checkInId),
      entries.map((e) => e.checkIn.domainId),
      entries.map((e) => JSON.stringify(e.checkIn)),
      entries.map((e) => JSON.stringify(e.traceHeaders)),
    ],
  );
}

const checkInColumns = `check_in_id, domain_id, user_id, local_date::text AS local_date, time_zone,
  first_event_log_id, device_id, occurred_at, recorded_at, delay_ms::float8 AS delay_ms, live,
  first_seen_at, last_seen_at, last_device_id, unlock_count`;

interface CheckInRow {
  check_in_id: string;
  domain_id: string;
  user_id: string;
  local_date: string;
  time_zone: string;
  first_event_log_id: string;
  device_id: string;
  occurred_at: Date | string;
  recorded_at: Date | string;
  delay_ms: number;
  live: boolean;
  first_seen_at: Date | string;
  last_seen_at: Date | string;
  last_device_id: string;
  unlock_count: number;
}

/** jsonb arrives parsed from pg and PGlite; a string is tolerated all the same. */
const json = <T>(value: T | string): T => (typeof value === "string" ? (JSON.parse(value) as T) : value);

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

function toRecord(row: CheckInRow): CheckInRecord {
  return {
    checkInId: row.check_in_id,
    domainId: row.domain_id,
    userId: row.user_id,
    localDate: row.local_date,
    timeZone: row.time_zone,
    firstEventLogId: row.first_event_log_id,
    deviceId: row.device_id,
    occurredAt: iso(row.occurred_at),
    recordedAt: iso(row.recorded_at),
    delayMs: Number(row.delay_ms),
    live: row.live,
    firstSeenAt: iso(row.first_seen_at),
    lastSeenAt: iso(row.last_seen_at),
    lastDeviceId: row.last_device_id,
    unlockCount: Number(row.unlock_count),
  };
}
