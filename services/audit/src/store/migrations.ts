import { accessLogTableSql } from "@parakey-bridge/auth";
import { type Migration, sinkOffsetsTableSql } from "@parakey-bridge/storage";
import { reconciliationLedgerSql } from "../chain/reconciliation-ledger.js";

/** The audit schema's migrations, in order. Never edit one that shipped: add the next. */
export const auditMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "audit events, hash-chain heads, consumer offsets",
    sql: `
CREATE TABLE audit_events (
  event_log_id text PRIMARY KEY,
  -- The hash chain this row belongs to: its domain, '' for events without one.
  chain_domain text NOT NULL,
  chain_seq bigint NOT NULL,
  domain_id text,
  device_id text NOT NULL,
  success boolean,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  delay_ms bigint NOT NULL,
  via text NOT NULL,
  payload_version text NOT NULL,
  -- The event log as received, minus the members that identify a person.
  payload jsonb NOT NULL,
  -- Personal data and its salt: both NULL once erased; the commitment stays (the chain covers it).
  user_id text,
  personal jsonb,
  personal_salt text,
  personal_commitment text NOT NULL,
  erased_at timestamptz,
  kafka_topic text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset bigint NOT NULL,
  trace_id text,
  first_seen_at timestamptz NOT NULL,
  duplicates integer NOT NULL DEFAULT 0,
  last_duplicate_at timestamptz,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  UNIQUE (chain_domain, chain_seq)
);
CREATE INDEX audit_events_by_time ON audit_events (occurred_at DESC, event_log_id DESC);
CREATE INDEX audit_events_by_domain ON audit_events (domain_id, occurred_at DESC, event_log_id DESC);
CREATE INDEX audit_events_by_device ON audit_events (device_id, occurred_at DESC, event_log_id DESC);
CREATE INDEX audit_events_by_user ON audit_events (user_id, occurred_at DESC, event_log_id DESC)
  WHERE user_id IS NOT NULL;
CREATE INDEX audit_events_to_erase ON audit_events (occurred_at) WHERE erased_at IS NULL;

-- The last row of each domain's chain; appends lock it, so a chain grows one row at a time.
CREATE TABLE chain_heads (
  chain_domain text PRIMARY KEY,
  seq bigint NOT NULL,
  hash text NOT NULL
);

-- Append-only: rows are never deleted, and only the duplicate counter and the erasure of personal
-- data may change. (A database superuser can still disable this; the hash chain catches that.)
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (NEW.event_log_id, NEW.chain_domain, NEW.chain_seq, NEW.domain_id, NEW.device_id, NEW.success,
      NEW.occurred_at, NEW.recorded_at, NEW.received_at, NEW.delay_ms, NEW.via, NEW.payload_version,
      NEW.payload, NEW.personal_commitment, NEW.kafka_topic, NEW.kafka_partition, NEW.kafka_offset,
      NEW.trace_id, NEW.first_seen_at, NEW.prev_hash, NEW.hash)
     IS DISTINCT FROM
     (OLD.event_log_id, OLD.chain_domain, OLD.chain_seq, OLD.domain_id, OLD.device_id, OLD.success,
      OLD.occurred_at, OLD.recorded_at, OLD.received_at, OLD.delay_ms, OLD.via, OLD.payload_version,
      OLD.payload, OLD.personal_commitment, OLD.kafka_topic, OLD.kafka_partition, OLD.kafka_offset,
      OLD.trace_id, OLD.first_seen_at, OLD.prev_hash, OLD.hash)
     OR (NEW.personal IS NOT NULL AND NEW.personal IS DISTINCT FROM OLD.personal)
     OR (NEW.personal_salt IS NOT NULL AND NEW.personal_salt IS DISTINCT FROM OLD.personal_salt)
     OR (NEW.user_id IS NOT NULL AND NEW.user_id IS DISTINCT FROM OLD.user_id) THEN
    RAISE EXCEPTION 'audit_events rows are immutable (only duplicates and erasure may change)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
${sinkOffsetsTableSql}
`,
  },
  {
    version: 2,
    name: "the record of personal-data reads (who, what, when)",
    sql: accessLogTableSql,
  },
  {
    version: 3,
    name: "the hash-chained ledger of completed reconciliations (console)",
    sql: reconciliationLedgerSql,
  },
];
