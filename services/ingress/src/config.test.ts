import { Topics } from "@parakey-bridge/contracts";
import { configIssues, itReadsConfig, refusedVariables } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";
import { loadIngressConfig } from "./config.js";

const secretEnv = {
  WEBHOOK_SECRET_HEADER: "X-Parakey-Secret",
  WEBHOOK_SECRETS: "secret-one-0123456789, secret-two-0123456789",
};

const issuesOf = (env: Record<string, string>) => configIssues(loadIngressConfig, env);

describe("loadIngressConfig", () => {
  itReadsConfig(loadIngressConfig, [
    {
      name: "applies the documented defaults",
      env: secretEnv,
      reads: {
        port: 8080,
        adminPort: 9464,
        host: "0.0.0.0",
        shutdownGraceMs: 20_000,
        ensureTopics: { partitions: 6, replicationFactor: 1 },
        producer: { timeoutMs: 5_000, compression: "none" },
        dedupe: { max: 100_000, ttlMs: 3_600_000 },
        kafka: { brokers: ["127.0.0.1:9092"] },
        webhook: {
          path: "/webhooks/parakey",
          bodyLimitBytes: 262_144,
          topics: { eventLogs: Topics.eventLogs, rejected: Topics.rejected },
          allowlist: { domainIds: [], deviceIds: [] },
        },
      },
    },
  ]);

  it("reads several credentials at once (rotation), lower-casing the header name", () => {
    const config = loadIngressConfig({
      ...secretEnv,
      WEBHOOK_BASIC_AUTH: "parakey:pass:with:colons-0123, ops:another-password-123",
    });
    expect(config.webhook.auth).toEqual({
      basic: [
        { user: "parakey", password: "pass:with:colons-0123" },
        { user: "ops", password: "another-password-123" },
      ],
      secretHeader: "x-parakey-secret",
      secrets: ["secret-one-0123456789", "secret-two-0123456789"],
      insecureNoAuth: false,
    });
  });

  it("refuses to start without any credential", () => {
    expect(issuesOf({}).join("\n")).toMatch(/WEBHOOK_BASIC_AUTH: no webhook credential configured/);
  });

  it("starts without credentials only with WEBHOOK_INSECURE_NO_AUTH=true", () => {
    expect(loadIngressConfig({ WEBHOOK_INSECURE_NO_AUTH: "true" }).webhook.auth.insecureNoAuth).toBe(true);
  });

  it("wants the secret header and the secrets together", () => {
    expect(issuesOf({ WEBHOOK_SECRETS: "secret-one-0123456789" })).toEqual([
      expect.stringMatching(/^WEBHOOK_SECRET_HEADER: required/),
    ]);
    expect(issuesOf({ WEBHOOK_SECRET_HEADER: "x-parakey-secret" })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^WEBHOOK_SECRETS: required/)]),
    );
  });

  it("refuses short secrets and passwords", () => {
    expect(issuesOf({ ...secretEnv, WEBHOOK_SECRETS: "short" }).join()).toMatch(/at least 16/);
    expect(issuesOf({ WEBHOOK_BASIC_AUTH: "u:short" }).join()).toMatch(/at least 16/);
  });

  it("keeps the produce budget below Parakey's 15 s", () => {
    expect(loadIngressConfig({ ...secretEnv, PRODUCE_TIMEOUT_MS: "12000" }).producer.timeoutMs).toBe(12_000);
    expect(issuesOf({ ...secretEnv, PRODUCE_TIMEOUT_MS: "15000" }).join()).toMatch(/^PRODUCE_TIMEOUT_MS/);
  });

  it("lists every problem at once", () => {
    expect(
      refusedVariables(loadIngressConfig, {
        ...secretEnv,
        PORT: "99999",
        PRODUCE_COMPRESSION: "zstd",
        ENSURE_TOPICS: "maybe",
        KAFKA_BROKERS: "not a broker",
        WEBHOOK_PATH: "no-slash",
      }),
    ).toEqual(["ENSURE_TOPICS", "KAFKA_BROKERS.0", "PORT", "PRODUCE_COMPRESSION", "WEBHOOK_PATH"]);
  });

  it("takes topic names, allowlists and producer tuning from the environment", () => {
    const config = loadIngressConfig({
      ...secretEnv,
      TOPIC_EVENT_LOGS: "t.events",
      TOPIC_REJECTED: "t.rejected",
      ALLOWED_DOMAIN_IDS: "dom_1,dom_2",
      ALLOWED_DEVICE_IDS: "lock-1",
      PRODUCE_LINGER_MS: "5",
      PRODUCE_MAX_BATCH: "200",
      PRODUCE_COMPRESSION: "gzip",
      ENSURE_TOPICS: "false",
    });
    expect(config.webhook.topics).toEqual({ eventLogs: "t.events", rejected: "t.rejected" });
    expect(config.webhook.allowlist).toEqual({ domainIds: ["dom_1", "dom_2"], deviceIds: ["lock-1"] });
    expect(config.producer).toMatchObject({ lingerMs: 5, maxBatchRecords: 200, compression: "gzip" });
    expect(config.ensureTopics).toBe(false);
  });

  it("wants a shutdown grace period long enough for in-flight requests", () => {
    expect(issuesOf({ ...secretEnv, SHUTDOWN_GRACE_MS: "5000" }).join()).toMatch(/^SHUTDOWN_GRACE_MS/);
  });
});
