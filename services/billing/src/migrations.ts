import { type Migration, sinkOffsetsTableSql } from "@parakey-bridge/storage";

/**
 * The billing schema, applied in order at start by the shared migration runner. Never edit an
 * applied migration; add the next version.
 */
export const billingMigrations: readonly Migration[] = [
  { version: 1, name: "consumer offsets stored with the meters", sql: sinkOffsetsTableSql },
  {
    version: 2,
    name: "meters, distinct users and devices, periods, issued figures, adjustments",
    sql: `
-- Event log ids already metered. Written in the transaction that moves the meters and the offsets:
-- a duplicate on the topic (webhook and poll both delivered it) is never counted twice.
CREATE TABLE metered_unlocks (
  event_log_id text PRIMARY KEY,
  domain_id text NOT NULL,
  period text NOT NULL,
  metered_at timestamptz NOT NULL DEFAULT now()
);

-- The meters: the current truth of a domain's month, late unlocks included.
CREATE TABLE usage_meters (
  domain_id text NOT NULL,
  period text NOT NULL,
  time_zone text NOT NULL,
  successful_unlocks bigint NOT NULL,
  active_users integer NOT NULL,
  active_devices integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (domain_id, period)
);
CREATE INDEX usage_meters_by_period ON usage_meters (period, domain_id);

-- Who and what was active in a domain's month (the distinct counts).
CREATE TABLE period_active_users (
  domain_id text NOT NULL,
  period text NOT NULL,
  user_id text NOT NULL,
  PRIMARY KEY (domain_id, period, user_id)
);
CREATE TABLE period_active_devices (
  domain_id text NOT NULL,
  period text NOT NULL,
  device_id text NOT NULL,
  PRIMARY KEY (domain_id, period, device_id)
);

-- A period's row is the lock between metering and closing: metering holds it FOR SHARE while it
-- moves that period's meters, closing holds it FOR UPDATE while it copies them into issued_usage.
CREATE TABLE billing_periods (
  period text PRIMARY KEY,
  closed_at timestamptz
);

-- The figures as issued when the period closed; never changed afterwards.
CREATE TABLE issued_usage (
  domain_id text NOT NULL,
  period text NOT NULL,
  time_zone text NOT NULL,
  successful_unlocks bigint NOT NULL,
  active_users integer NOT NULL,
  active_devices integer NOT NULL,
  issued_at timestamptz NOT NULL,
  PRIMARY KEY (domain_id, period)
);

-- Changes to closed periods, one line per late unlock.
CREATE TABLE usage_adjustments (
  id bigserial PRIMARY KEY,
  domain_id text NOT NULL,
  period text NOT NULL,
  event_log_id text NOT NULL UNIQUE,
  successful_unlocks integer NOT NULL,
  active_users integer NOT NULL,
  active_devices integer NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_adjustments_by_period ON usage_adjustments (period, domain_id, id);
`,
  },
];
