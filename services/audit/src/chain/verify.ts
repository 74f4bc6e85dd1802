import type { Db } from "@parakey-bridge/storage";
import type { Counter } from "prom-client";
import type { AuditEventRow } from "../store/audit-event-row.js";
import { commitmentMatches } from "./commitment.js";
import { type ChainFields, chainHash, GENESIS_HASH } from "./hash-chain.js";

/** Why a link is broken. */
export type BreakReason =
  | "hash_mismatch"
  | "prev_hash_mismatch"
  | "sequence_gap"
  | "personal_data_mismatch"
  | "head_mismatch";

export interface ChainVerification {
  /** The chain's domain id; null for the chain of events without a domain. */
  domainId: string | null;
  ok: boolean;
  /** Rows checked. */
  rows: number;
  /** The first broken link, when there is one. */
  brokenAt?: { seq: string; eventLogId: string | null; reason: BreakReason; detail: string };
}

/** What the verifier reads of a row: what its hash covers, and its links. */
type ChainRow = Omit<AuditEventRow, "user_id" | "duplicates" | "last_duplicate_at" | "erased_at">;

const PAGE = 2_000;

/**
 * Recomputes a domain's hash chain from the stored rows and names the first broken link: a row
 * whose content no longer matches its hash, a row whose prev_hash is not its predecessor's hash, a
 * missing row, personal data that no longer matches its commitment, or a head that points past the
 * last row (rows removed at the end). Erased personal data is not a break: the chain covers only its
 * commitment. Rows appended while verifying are left for the next run (the head is read first).
 *
 * @example
 * const result = await verifier.verify("dom_hq");
 * if (!result.ok) console.log(result.brokenAt); // { seq: "42", eventLogId: "el_…", reason: "hash_mismatch" }
 */
export class ChainVerifier {
  constructor(
    private readonly db: Db,
    private readonly failures?: Counter,
  ) {}

  /** Verifies every chain (every domain seen so far). */
  async verifyAll(): Promise<ChainVerification[]> {
    const { rows } = await this.db.query<{ chain_domain: string }>(
      "SELECT chain_domain FROM chain_heads ORDER BY chain_domain",
    );
    const results: ChainVerification[] = [];
    for (const row of rows)
      results.push(await this.verify(row.chain_domain === "" ? null : row.chain_domain));
    return results;
  }

  /** Verifies one domain's chain; `null` is the chain of events without a domain. */
  async verify(domainId: string | null): Promise<ChainVerification> {
    const result = await this.check(domainId ?? "");
    if (!result.ok) this.failures?.inc();
    return { ...result, domainId };
  }

  private async check(chainDomain: string): Promise<Omit<ChainVerification, "domainId">> {
    const { rows: heads } = await this.db.query<{ seq: string; hash: string }>(
      "SELECT seq::text AS seq, hash FROM chain_heads WHERE chain_domain = $1",
      [chainDomain],
    );
    const head = heads[0];
    if (!head) return { ok: true, rows: 0 };
    const headSeq = BigInt(head.seq);
    let expectedSeq = 1n;
    let prevHash = GENESIS_HASH;
    let checked = 0;
    for (;;) {
      const { rows } = await this.db.query<ChainRow>(
        `SELECT event_log_id, chain_domain, chain_seq::text AS chain_seq, domain_id, device_id, success,
                occurred_at, recorded_at, received_at, delay_ms::text AS delay_ms, via, payload_version,
                payload, personal, personal_salt, personal_commitment, kafka_topic, kafka_partition,
                kafka_offset::text AS kafka_offset, trace_id, first_seen_at, prev_hash, hash
         FROM audit_events
         WHERE chain_domain = $1 AND chain_seq >= $2 AND chain_seq <= $3
         ORDER BY audit_events.chain_seq LIMIT $4`,
        [chainDomain, expectedSeq.toString(), head.seq, PAGE],
      );
      for (const row of rows) {
        const broken = (reason: BreakReason, detail: string) => ({
          ok: false,
          rows: checked,
          brokenAt: { seq: row.chain_seq, eventLogId: row.event_log_id, reason, detail },
        });
        if (BigInt(row.chain_seq) !== expectedSeq) {
          return broken(
            "sequence_gap",
            `expected seq ${expectedSeq}, found ${row.chain_seq}: rows are missing`,
          );
        }
        if (row.prev_hash !== prevHash) {
          return broken("prev_hash_mismatch", "prev_hash is not the previous row's hash");
        }
        if (row.personal !== null || row.personal_salt !== null) {
          if (
            row.personal === null ||
            row.personal_salt === null ||
            !commitmentMatches(row.personal, row.personal_salt, row.personal_commitment)
          ) {
            return broken("personal_data_mismatch", "personal data does not match its commitment");
          }
        }
        if (chainHash(fieldsOf(row), row.prev_hash) !== row.hash) {
          return broken("hash_mismatch", "the row's content does not match its hash");
        }
        prevHash = row.hash;
        expectedSeq += 1n;
        checked += 1;
      }
      if (rows.length < PAGE) break;
    }
    if (expectedSeq - 1n !== headSeq || prevHash !== head.hash) {
      return {
        ok: false,
        rows: checked,
        brokenAt: {
          seq: (expectedSeq - 1n).toString(),
          eventLogId: null,
          reason: headSeq > expectedSeq - 1n ? "sequence_gap" : "head_mismatch",
          detail: `the chain head is at seq ${head.seq} but the stored rows end at ${expectedSeq - 1n}`,
        },
      };
    }
    return { ok: true, rows: checked };
  }
}

function fieldsOf(row: ChainRow): ChainFields {
  return {
    chainDomain: row.chain_domain,
    seq: row.chain_seq,
    eventLogId: row.event_log_id,
    domainId: row.domain_id,
    deviceId: row.device_id,
    success: row.success,
    occurredAt: row.occurred_at.toISOString(),
    recordedAt: row.recorded_at.toISOString(),
    receivedAt: row.received_at.toISOString(),
    delayMs: Number(row.delay_ms),
    via: row.via,
    payloadVersion: row.payload_version,
    payload: row.payload,
    personalCommitment: row.personal_commitment,
    kafkaTopic: row.kafka_topic,
    kafkaPartition: row.kafka_partition,
    kafkaOffset: row.kafka_offset,
    traceId: row.trace_id,
    firstSeenAt: row.first_seen_at.toISOString(),
  };
}
