import { itTakesTheConsumerServiceConfig } from "@parakey-bridge/consumer-service/testing";
import { itReadsConfig, refusedVariables } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";
import { loadAuditConfig } from "./config.js";

/** The development waiver: these tests are about other settings (API authentication is tested below). */
const devAuth = { AUTH_DISABLED: "true" };

describe("loadAuditConfig", () => {
  itReadsConfig(loadAuditConfig, [
    {
      name: "runs without a database server by default (embedded store in .data/audit)",
      env: devAuth,
      reads: {
        port: 8080,
        adminPort: 9464,
        database: { url: undefined, dataDir: ".data/audit", schema: "audit", poolSize: 5 },
        consumer: { group: "parakey-bridge-audit", heartbeatIntervalMs: 3_000, concurrency: 1 },
        topics: { eventLogs: "parakey.event-logs.v1" },
        erasure: { retentionDays: 90 },
        shutdownGraceMs: 20_000,
      },
    },
    {
      name: "reads the names every service shares, as the Helm chart sets them",
      env: {
        ...devAuth,
        KAFKA_GROUP_ID: "parakey-bridge-audit-eu",
        TOPIC_EVENT_LOGS: "t.events",
        DATABASE_URL: "postgres://audit@db:5432/bridge",
        DATABASE_POOL_SIZE: "12",
        PGLITE_DATA_DIR: "",
        SHUTDOWN_GRACE_MS: "45000",
        ENSURE_TOPICS: "false",
      },
      reads: {
        consumer: { group: "parakey-bridge-audit-eu" },
        topics: { eventLogs: "t.events" },
        database: { url: "postgres://audit@db:5432/bridge", poolSize: 12, dataDir: undefined },
        shutdownGraceMs: 45_000,
        ensureTopics: false,
      },
    },
  ]);

  it("reports every bad variable at once", () => {
    expect(
      refusedVariables(loadAuditConfig, {
        ...devAuth,
        DATABASE_URL: "not a url",
        AUDIT_RETENTION_DAYS: "0",
        KAFKA_GROUP_ID: "a b",
      }),
    ).toEqual(["AUDIT_RETENTION_DAYS", "DATABASE_URL", "KAFKA_GROUP_ID"]);
  });

  itTakesTheConsumerServiceConfig("audit", loadAuditConfig);
});
