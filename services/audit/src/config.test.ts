import { ConfigError } from "@parakey-bridge/config";
import { describe, expect, it } from "vitest";
import { loadAuditConfig } from "./config.js";

describe("loadAuditConfig", () => {
  it("runs without a database server by default (embedded store in .data/audit)", () => {
    const config = loadAuditConfig({});
    expect(config).toMatchObject({
      PORT: 8080,
      ADMIN_PORT: 9464,
      AUDIT_DATA_DIR: ".data/audit",
      CONSUMER_GROUP: "audit",
      AUDIT_TOPIC: "parakey.event-logs.v1",
      AUDIT_RETENTION_DAYS: 90,
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it("reports every bad variable at once", () => {
    try {
      loadAuditConfig({ DATABASE_URL: "not a url", AUDIT_RETENTION_DAYS: "0", CONSUMER_GROUP: "a b" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((i) => i.split(":")[0]).sort()).toEqual(
        ["AUDIT_RETENTION_DAYS", "CONSUMER_GROUP", "DATABASE_URL"].sort(),
      );
    }
  });
});
