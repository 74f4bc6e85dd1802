import { accessLogTableSql } from "@parakey-bridge/auth";
import { type Migration, sinkOffsetsTableSql } from "@parakey-bridge/storage";

/**
 * The check-in service's schema, applied in order at start by the shared migration runner.
 * Never edit an applied migration; add the next version.
 */
export const checkInMigrations: readonly Migration[] = [
  { version: 1, name: "consumer offsets stored with the records", sql: sinkOffsetsTableSql },
  {
    version: 2,
    name: "check-ins, day counts, processed unlocks and the publishing outbox",
    sql: `
-- Event log ids already applied: the topic is at-least-once (webhook retries, poll overlap, replays).
CREATE TABLE processed_unlocks (
  event_log_id text PRIMARY KEY,
  processed_at timestamptz NOT NULL DEFAULT now()
);

-- One row per person, domain and local day: the check-in (what was published, never changed) and
-- the day's presence (first/last seen, unlock count), which later unlocks move.
CREATE TABLE check_ins (
  domain_id text NOT NULL,
  local_date date NOT NULL,
  user_id text NOT NULL,
  check_in_id text NOT NULL UNIQUE,
  time_zone text NOT NULL,
  first_event_log_id text NOT NULL,
  device_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  delay_ms bigint NOT NULL,
  live boolean NOT NULL,
  first_seen_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  last_device_id text NOT NULL,
  unlock_count integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (domain_id, local_date, user_id)
);
-- Paging a domain's day in check-in order.
CREATE INDEX check_ins_day_order ON check_ins (domain_id, local_date, occurred_at, user_id);
-- One person's check-ins over a range of days.
CREATE INDEX check_ins_by_user ON check_ins (user_id, local_date);

-- Every unlock of a domain's day, including failed and user-less ones (never check-ins).
CREATE TABLE day_unlocks (
  domain_id text NOT NULL,
  local_date date NOT NULL,
  unlocks integer NOT NULL,
  successful_unlocks integer NOT NULL,
  anonymous_unlocks integer NOT NULL,
  PRIMARY KEY (domain_id, local_date)
);

-- Check-ins recorded but not yet acknowledged by Kafka; written in the same transaction as the
-- check-in, deleted after the broker acknowledged the record. A lease keeps two replicas from
-- sending the same rows at once; a crash between send and delete publishes a row again with the
-- same ce_id.
CREATE TABLE check_in_outbox (
  id bigserial PRIMARY KEY,
  check_in_id text NOT NULL,
  domain_id text NOT NULL,
  payload jsonb NOT NULL,
  -- W3C trace context of the unlock that made the check-in: its record continues that trace.
  trace_headers jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  leased_until timestamptz
);
`,
  },
  {
    version: 3,
    name: "the record of personal-data reads (who, what, when)",
    sql: accessLogTableSql,
  },
];
