import { createHash } from "node:crypto";
import type { Queryable } from "@parakey-bridge/storage";
import { canonicalJson } from "./canonical.js";
import { GENESIS_HASH } from "./hash-chain.js";

/**
 * The audit database's table of completed reconciliations (migration 3): one hash chain of its own,
 * so a report edited after it was recorded (counts, verdict, the digest of its id sets) breaks the
 * chain and `audit verify` exits 1. Append-only like audit_events (a trigger refuses UPDATE/DELETE;
 * a superuser who disables it is caught by the hashes).
 */
export const reconciliationLedgerSql = `
CREATE TABLE reconciliations (
  seq bigint PRIMARY KEY,
  recorded_at timestamptz NOT NULL,
  entry jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE FUNCTION reconciliations_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'reconciliations is append-only' USING ERRCODE = 'insufficient_privilege';
END
$fn$;
CREATE TRIGGER reconciliations_append_only BEFORE UPDATE OR DELETE ON reconciliations
  FOR EACH ROW EXECUTE FUNCTION reconciliations_append_only();
`;

/** What a recorded reconciliation says: its range, counts per place, verdict and id-set digests. */
export interface ReconciliationEntry {
  /** The reconciliation's id (the console's run id). */
  id: string;
  domainId: string | null;
  fromDate: string;
  toDate: string;
  verdict: "complete" | "incomplete" | "failed";
  counts: Record<string, number>;
  /** SHA-256 of each place's sorted id list, so the ids themselves can be checked against it later. */
  digests: Record<string, string>;
  completedAt: string;
}

export interface LedgerVerification {
  ok: boolean;
  rows: number;
  brokenAt?: { seq: string; reason: "hash_mismatch" | "prev_hash_mismatch" | "sequence_gap"; detail: string };
}

const LOCK_KEY = 0x7265636f; // "reco": serialises appends (a chain grows one row at a time)

function entryHash(seq: string, recordedAt: string, entry: unknown, prevHash: string): string {
  return createHash("sha256")
    .update(canonicalJson({ format: 1, kind: "reconciliation", seq, recordedAt, entry, prevHash }))
    .digest("hex");
}

/**
 * The SHA-256 (hex) of an id set: its sorted, newline-joined ids.
 *
 * @example
 * idSetDigest(["el_2", "el_1"]) === idSetDigest(["el_1", "el_2"]); // true
 */
export function idSetDigest(ids: Iterable<string>): string {
  return createHash("sha256")
    .update([...new Set(ids)].sort().join("\n"))
    .digest("hex");
}

/**
 * Appends a completed reconciliation to the ledger's hash chain, in one transaction `db` provides.
 *
 * @example
 * await db.transaction((tx) => appendReconciliation(tx, entry, new Date()));
 */
export async function appendReconciliation(
  tx: Queryable,
  entry: ReconciliationEntry,
  now: Date,
): Promise<{ seq: string; hash: string }> {
  await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
  const { rows } = await tx.query<{ seq: string; hash: string }>(
    "SELECT seq::text AS seq, hash FROM reconciliations ORDER BY seq DESC LIMIT 1",
  );
  const prev = rows[0];
  const seq = (BigInt(prev?.seq ?? "0") + 1n).toString();
  const prevHash = prev?.hash ?? GENESIS_HASH;
  const recordedAt = now.toISOString();
  const hash = entryHash(seq, recordedAt, entry, prevHash);
  await tx.query(
    "INSERT INTO reconciliations (seq, recorded_at, entry, prev_hash, hash) VALUES ($1, $2, $3, $4, $5)",
    [seq, recordedAt, JSON.stringify(entry), prevHash, hash],
  );
  return { seq, hash };
}

/**
 * Recomputes the reconciliation ledger's chain; names the first row whose content no longer matches.
 *
 * @example
 * const result = await verifyReconciliations(db);
 */
export async function verifyReconciliations(db: Queryable): Promise<LedgerVerification> {
  const { rows } = await db.query<{
    seq: string;
    recorded_at: Date;
    entry: unknown;
    prev_hash: string;
    hash: string;
  }>("SELECT seq::text AS seq, recorded_at, entry, prev_hash, hash FROM reconciliations ORDER BY seq");
  let prevHash = GENESIS_HASH;
  let expected = 1n;
  for (const row of rows) {
    if (BigInt(row.seq) !== expected) {
      return {
        ok: false,
        rows: rows.length,
        brokenAt: { seq: row.seq, reason: "sequence_gap", detail: `expected seq ${expected}` },
      };
    }
    if (row.prev_hash !== prevHash) {
      return {
        ok: false,
        rows: rows.length,
        brokenAt: {
          seq: row.seq,
          reason: "prev_hash_mismatch",
          detail: "prev_hash is not the previous row's hash",
        },
      };
    }
    const recordedAt = new Date(row.recorded_at).toISOString();
    if (entryHash(row.seq, recordedAt, row.entry, row.prev_hash) !== row.hash) {
      return {
        ok: false,
        rows: rows.length,
        brokenAt: {
          seq: row.seq,
          reason: "hash_mismatch",
          detail: "the recorded reconciliation does not match its hash",
        },
      };
    }
    prevHash = row.hash;
    expected += 1n;
  }
  return { ok: true, rows: rows.length };
}
