import type { PersonalData } from "../personal-data.js";

/**
 * A row of `audit_events` as the store's and the verifier's queries read it: bigint columns cast to
 * text (`chain_seq::text`, `delay_ms::text`, `kafka_offset::text`), so no precision is lost. Each
 * query reads the columns it needs: a `Pick` or `Omit` of this.
 */
export interface AuditEventRow {
  event_log_id: string;
  chain_domain: string;
  chain_seq: string;
  domain_id: string | null;
  device_id: string;
  /** Personal data: null once erased. */
  user_id: string | null;
  success: boolean | null;
  occurred_at: Date;
  recorded_at: Date;
  received_at: Date;
  delay_ms: string;
  via: string;
  payload_version: string;
  /** The event log without its personal members (those are in `personal`). */
  payload: Record<string, unknown>;
  personal: PersonalData | null;
  personal_salt: string | null;
  personal_commitment: string;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
  trace_id: string | null;
  first_seen_at: Date;
  duplicates: number;
  last_duplicate_at: Date | null;
  erased_at: Date | null;
  prev_hash: string;
  hash: string;
}
