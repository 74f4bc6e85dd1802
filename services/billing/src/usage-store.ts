import type { DoorEvent } from "@parakey-bridge/contracts";
import type { InboundRecord, WriteOutcome } from "@parakey-bridge/kafka";
import { type Db, isNonEmpty, OffsetKeepingStore, type Queryable } from "@parakey-bridge/storage";
import {
  type AdjustmentLine,
  distinctKey,
  type MeterChange,
  type MeterDelta,
  type MeteredUnlock,
  meterChanges,
  meteredUnlock,
} from "./metering.js";
import type { UsageLine } from "./usage-csv.js";

/** A domain's usage of one period as the API shows it. */
export interface UsageReport {
  domainId: string;
  period: string;
  timeZone: string;
  status: "open" | "closed";
  closedAt: string | null;
  /** The current meters: for a closed period, the issued figures plus every adjustment. */
  usage: MeterDelta;
  /** The figures issued when the period closed (null while open, or when the domain had no usage then). */
  issued: (MeterDelta & { issuedAt: string }) | null;
  adjustments: (AdjustmentLine & { createdAt: string })[];
}

/** The result of closing a period. */
export interface ClosedPeriod {
  period: string;
  closedAt: string;
  /** True when it was closed before: nothing changed. */
  alreadyClosed: boolean;
  /** Domains whose figures were issued. */
  domains: number;
}

/** What the HTTP API uses. */
export interface UsageQueries {
  usage(domainId: string, period: string): Promise<UsageReport>;
  usageLines(period: string): Promise<UsageLine[]>;
  closePeriod(period: string, closedAt: Date): Promise<ClosedPeriod>;
}

/** The result of metering one batch. */
export interface MeteredBatch {
  outcomes: WriteOutcome[];
  metered: number;
  adjustments: number;
}

/**
 * Billing's PostgreSQL store. Exactly once: a batch's event log ids, the meter changes and the
 * partition's next offset are written in one transaction, and the consumer resumes from the stored
 * offset — so a crash at any point either kept the whole batch or none of it. An unlock is metered
 * when its event log id is claimed (a record delivered again, by Kafka or twice on the topic, is
 * recognised by the claim and not counted), whatever its offset says.
 */
export class UsageStore extends OffsetKeepingStore implements UsageQueries {
  constructor(
    db: Db,
    private readonly timeZoneOf: (domainId: string) => string,
    group: string,
  ) {
    super(db, group);
  }

  /** Meters consecutive records of one partition, in one transaction with the partition's offset. */
  async writeBatch(records: readonly InboundRecord<DoorEvent>[]): Promise<MeteredBatch> {
    if (!isNonEmpty(records)) return { outcomes: [], metered: 0, adjustments: 0 };
    return this.inOffsetTransaction(records, async (tx, next) => {
      // The claims of the event log ids decide what is new; the stored offset only labels what
      // was not new. A record below it is usually a redelivery, but after a topic was recreated
      // every new record is below it, and skipping those would lose them.
      const outcomes: WriteOutcome[] = records.map(() => "stored");
      const candidates: { index: number; unlock: MeteredUnlock }[] = [];
      records.forEach((record, index) => {
        const unlock = meteredUnlock(record.value, this.timeZoneOf);
        if (unlock !== undefined) candidates.push({ index, unlock });
      });
      const unlocks = await claimUnlocks(tx, candidates, outcomes);
      const metered = new Set(candidates.filter((c) => outcomes[c.index] === "stored").map((c) => c.index));
      records.forEach((record, index) => {
        if (!metered.has(index) && next !== null && BigInt(record.offset) < next) {
          outcomes[index] = "redelivered";
        }
      });
      let adjustments = 0;
      if (unlocks.length > 0) {
        const closed = await lockPeriods(tx, [...new Set(unlocks.map((u) => u.period))].sort());
        const newUsers = await addDistinct(tx, "period_active_users", "user_id", unlocks, (u) => u.userId);
        const newDevices = await addDistinct(
          tx,
          "period_active_devices",
          "device_id",
          unlocks,
          (u) => u.deviceId,
        );
        const changes = meterChanges(unlocks, newUsers, newDevices, closed);
        await moveMeters(tx, changes.meters);
        await addAdjustments(tx, changes.adjustments);
        adjustments = changes.adjustments.length;
      }
      return { outcomes, metered: unlocks.length, adjustments };
    });
  }

  /** A domain's usage of a period, read from one snapshot (issued + adjustments = usage, always). */
  async usage(domainId: string, period: string): Promise<UsageReport> {
    return this.snapshot(async (tx) => {
      const meter = await tx.query<MeterRow>(
        `SELECT time_zone, successful_unlocks::float8 AS successful_unlocks, active_users, active_devices
         FROM usage_meters WHERE domain_id = $1 AND period = $2`,
        [domainId, period],
      );
      const issued = await tx.query<MeterRow & { issued_at: Date | string }>(
        `SELECT time_zone, successful_unlocks::float8 AS successful_unlocks, active_users, active_devices, issued_at
         FROM issued_usage WHERE domain_id = $1 AND period = $2`,
        [domainId, period],
      );
      const closedAt = await closedAtOf(tx, period);
      const adjustments = await tx.query<AdjustmentRow>(
        `SELECT ${adjustmentColumns} FROM usage_adjustments WHERE domain_id = $1 AND period = $2 ORDER BY id`,
        [domainId, period],
      );
      const meterRow = meter.rows[0];
      const issuedRow = issued.rows[0];
      return {
        domainId,
        period,
        timeZone: meterRow?.time_zone ?? issuedRow?.time_zone ?? this.timeZoneOf(domainId),
        status: closedAt === null ? "open" : "closed",
        closedAt,
        usage: meterRow ? figures(meterRow) : { successfulUnlocks: 0, activeUsers: 0, activeDevices: 0 },
        issued: issuedRow ? { ...figures(issuedRow), issuedAt: iso(issuedRow.issued_at) } : null,
        adjustments: adjustments.rows.map(toAdjustment),
      };
    });
  }

  /**
   * Every domain's lines of a period, ordered by domain: one provisional `usage` line each while the
   * period is open; once closed, the `issued` line and then the `adjustment` lines.
   */
  async usageLines(period: string): Promise<UsageLine[]> {
    return this.snapshot(async (tx) => {
      const closed = (await closedAtOf(tx, period)) !== null;
      const base = await tx.query<MeterRow & { domain_id: string }>(
        `SELECT domain_id, time_zone, successful_unlocks::float8 AS successful_unlocks, active_users, active_devices
         FROM ${closed ? "issued_usage" : "usage_meters"} WHERE period = $1 ORDER BY domain_id`,
        [period],
      );
      const adjustments = closed
        ? await tx.query<AdjustmentRow>(
            `SELECT ${adjustmentColumns} FROM usage_adjustments WHERE period = $1 ORDER BY domain_id, id`,
            [period],
          )
        : { rows: [] };
      const zones = new Map(base.rows.map((row) => [row.domain_id, row.time_zone]));
      const lines: UsageLine[] = base.rows.map((row) => ({
        period,
        domainId: row.domain_id,
        timeZone: row.time_zone,
        line: closed ? "issued" : "usage",
        ...figures(row),
      }));
      for (const row of adjustments.rows) {
        const { createdAt: _createdAt, ...adjustment } = toAdjustment(row);
        lines.push({
          ...adjustment,
          timeZone: zones.get(adjustment.domainId) ?? this.timeZoneOf(adjustment.domainId),
          line: "adjustment",
        });
      }
      // Stable sort: each domain's issued line first, then its adjustments in the order they happened.
      return lines.sort((a, b) => (a.domainId < b.domainId ? -1 : a.domainId > b.domainId ? 1 : 0));
    });
  }

  /** Runs reads in one REPEATABLE READ transaction: one consistent view of meters, issues, adjustments. */
  private snapshot<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      return fn(tx);
    });
  }

  /**
   * Closes a period: copies every domain's meters into the issued figures. Holding the period's row
   * FOR UPDATE waits for batches metering that period to commit and makes later ones see it closed,
   * so every unlock lands either in the issued figures or in an adjustment line, never in neither.
   * Closing a closed period changes nothing.
   */
  async closePeriod(period: string, closedAt: Date): Promise<ClosedPeriod> {
    return this.db.transaction(async (tx) => {
      await tx.query("INSERT INTO billing_periods (period) VALUES ($1) ON CONFLICT (period) DO NOTHING", [
        period,
      ]);
      const { rows } = await tx.query<{ closed_at: Date | string | null }>(
        "SELECT closed_at FROM billing_periods WHERE period = $1 FOR UPDATE",
        [period],
      );
      const already = rows[0]?.closed_at ?? null;
      if (already !== null) {
        const issued = await tx.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM issued_usage WHERE period = $1",
          [period],
        );
        return { period, closedAt: iso(already), alreadyClosed: true, domains: issued.rows[0]?.n ?? 0 };
      }
      await tx.query("UPDATE billing_periods SET closed_at = $2 WHERE period = $1", [
        period,
        closedAt.toISOString(),
      ]);
      const issued = await tx.query(
        `INSERT INTO issued_usage (domain_id, period, time_zone, successful_unlocks, active_users, active_devices, issued_at)
         SELECT domain_id, period, time_zone, successful_unlocks, active_users, active_devices, $2
         FROM usage_meters WHERE period = $1`,
        [period, closedAt.toISOString()],
      );
      return { period, closedAt: closedAt.toISOString(), alreadyClosed: false, domains: issued.rowCount };
    });
  }
}

async function closedAtOf(tx: Queryable, period: string): Promise<string | null> {
  const { rows } = await tx.query<{ closed_at: Date | string | null }>(
    "SELECT closed_at FROM billing_periods WHERE period = $1",
    [period],
  );
  const closedAt = rows[0]?.closed_at ?? null;
  return closedAt === null ? null : iso(closedAt);
}

/** Records the new event log ids; marks the others (metered before, or twice in the batch) duplicates. */
async function claimUnlocks(
  tx: Queryable,
  candidates: readonly { index: number; unlock: MeteredUnlock }[],
  outcomes: WriteOutcome[],
): Promise<MeteredUnlock[]> {
  if (candidates.length === 0) return [];
  const unique = new Map<string, MeteredUnlock>();
  for (const { unlock } of candidates)
    if (!unique.has(unlock.eventLogId)) unique.set(unlock.eventLogId, unlock);
  const rows = [...unique.values()].sort((a, b) => (a.eventLogId < b.eventLogId ? -1 : 1));
  const inserted = await tx.query<{ event_log_id: string }>(
    `INSERT INTO metered_unlocks (event_log_id, domain_id, period)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT (event_log_id) DO NOTHING RETURNING event_log_id`,
    [rows.map((u) => u.eventLogId), rows.map((u) => u.domainId), rows.map((u) => u.period)],
  );
  const claimed = new Set(inserted.rows.map((row) => row.event_log_id));
  const unlocks: MeteredUnlock[] = [];
  for (const { index, unlock } of candidates) {
    if (claimed.delete(unlock.eventLogId)) unlocks.push(unlock);
    else outcomes[index] = "duplicate";
  }
  return unlocks;
}

/** Locks the periods' rows FOR SHARE (see `closePeriod`) and returns those already closed. */
async function lockPeriods(tx: Queryable, periods: readonly string[]): Promise<Set<string>> {
  await tx.query(
    "INSERT INTO billing_periods (period) SELECT unnest($1::text[]) ON CONFLICT (period) DO NOTHING",
    [periods],
  );
  const { rows } = await tx.query<{ period: string; closed: boolean }>(
    `SELECT period, closed_at IS NOT NULL AS closed FROM billing_periods
     WHERE period = ANY($1::text[]) ORDER BY period FOR SHARE`,
    [periods],
  );
  return new Set(rows.filter((row) => row.closed).map((row) => row.period));
}

/** Adds the batch's users (or devices) to their periods; returns the keys that were new. */
async function addDistinct(
  tx: Queryable,
  table: "period_active_users" | "period_active_devices",
  column: "user_id" | "device_id",
  unlocks: readonly MeteredUnlock[],
  idOf: (unlock: MeteredUnlock) => string | null,
): Promise<Set<string>> {
  const keys = new Map<string, [string, string, string]>();
  for (const unlock of unlocks) {
    const id = idOf(unlock);
    if (id !== null)
      keys.set(distinctKey(unlock.domainId, unlock.period, id), [unlock.domainId, unlock.period, id]);
  }
  if (keys.size === 0) return new Set();
  const rows = [...keys].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row);
  const inserted = await tx.query<{ domain_id: string; period: string; id: string }>(
    `INSERT INTO ${table} (domain_id, period, ${column})
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT DO NOTHING RETURNING domain_id, period, ${column} AS id`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
  );
  return new Set(inserted.rows.map((row) => distinctKey(row.domain_id, row.period, row.id)));
}

async function moveMeters(tx: Queryable, meters: readonly MeterChange[]): Promise<void> {
  await tx.query(
    `INSERT INTO usage_meters (domain_id, period, time_zone, successful_unlocks, active_users, active_devices)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::int[], $6::int[])
     ON CONFLICT (domain_id, period) DO UPDATE SET
       successful_unlocks = usage_meters.successful_unlocks + EXCLUDED.successful_unlocks,
       active_users = usage_meters.active_users + EXCLUDED.active_users,
       active_devices = usage_meters.active_devices + EXCLUDED.active_devices,
       updated_at = now()`,
    [
      meters.map((m) => m.domainId),
      meters.map((m) => m.period),
      meters.map((m) => m.timeZone),
      meters.map((m) => m.successfulUnlocks),
      meters.map((m) => m.activeUsers),
      meters.map((m) => m.activeDevices),
    ],
  );
}

async function addAdjustments(tx: Queryable, lines: readonly AdjustmentLine[]): Promise<void> {
  if (lines.length === 0) return;
  await tx.query(
    `INSERT INTO usage_adjustments (domain_id, period, event_log_id, successful_unlocks, active_users,
       active_devices, occurred_at, recorded_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[],
       $7::timestamptz[], $8::timestamptz[])`,
    [
      lines.map((l) => l.domainId),
      lines.map((l) => l.period),
      lines.map((l) => l.eventLogId),
      lines.map((l) => l.successfulUnlocks),
      lines.map((l) => l.activeUsers),
      lines.map((l) => l.activeDevices),
      lines.map((l) => l.occurredAt),
      lines.map((l) => l.recordedAt),
    ],
  );
}

interface MeterRow {
  time_zone: string;
  successful_unlocks: number;
  active_users: number;
  active_devices: number;
}

interface AdjustmentRow {
  domain_id: string;
  period: string;
  event_log_id: string;
  successful_unlocks: number;
  active_users: number;
  active_devices: number;
  occurred_at: Date | string;
  recorded_at: Date | string;
  created_at: Date | string;
}

const adjustmentColumns = `domain_id, period, event_log_id, successful_unlocks, active_users, active_devices,
  occurred_at, recorded_at, created_at`;

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

const figures = (row: MeterRow): MeterDelta => ({
  successfulUnlocks: Number(row.successful_unlocks),
  activeUsers: Number(row.active_users),
  activeDevices: Number(row.active_devices),
});

function toAdjustment(row: AdjustmentRow): AdjustmentLine & { createdAt: string } {
  return {
    domainId: row.domain_id,
    period: row.period,
    eventLogId: row.event_log_id,
    successfulUnlocks: Number(row.successful_unlocks),
    activeUsers: Number(row.active_users),
    activeDevices: Number(row.active_devices),
    occurredAt: iso(row.occurred_at),
    recordedAt: iso(row.recorded_at),
    createdAt: iso(row.created_at),
  };
}
