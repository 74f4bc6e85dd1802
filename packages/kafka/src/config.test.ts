import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "@parakey-bridge/config";
import { createTestPki, type TestPki } from "@parakey-bridge/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TopicsCliEnv } from "./cli/topics-env.js";
import { KafkaEnv, kafkaConnectionFromEnv } from "./config.js";
import { TopicEnv } from "./topic-env.js";

const issuesOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(KafkaEnv, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
};

describe("KafkaEnv TLS files", () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki(await mkdtemp(join(tmpdir(), "kafka-env-pki-")));
  });
  afterAll(async () => {
    await rm(pki.dir, { recursive: true, force: true });
  });

  it("stays plaintext without KAFKA_SSL or files, and trusts the system CAs with KAFKA_SSL=true alone", () => {
    expect(kafkaConnectionFromEnv(loadConfig(KafkaEnv, {})).ssl).toBe(false);
    expect(kafkaConnectionFromEnv(loadConfig(KafkaEnv, { KAFKA_SSL: "true" })).ssl).toBe(true);
    expect(kafkaConnectionFromEnv(loadConfig(KafkaEnv, { KAFKA_SSL: "false" })).ssl).toBe(false);
    // Helm and compose render unset optional values as "": that is "not given", not an error.
    expect(
      kafkaConnectionFromEnv(
        loadConfig(KafkaEnv, {
          KAFKA_SSL: "",
          KAFKA_SSL_CA_FILE: "",
          KAFKA_SSL_CERT_FILE: "",
          KAFKA_SSL_KEY_FILE: "",
        }),
      ).ssl,
    ).toBe(false);
  });

  it("reads the CA bundle at start and turns TLS on by itself", async () => {
    const bundle = join(pki.dir, "bundle.crt");
    await writeFile(
      bundle,
      `${await readFile(pki.caCert, "utf8")}${await readFile(pki.otherCaCert, "utf8")}`,
    );
    const connection = kafkaConnectionFromEnv(loadConfig(KafkaEnv, { KAFKA_SSL_CA_FILE: bundle }));
    expect(connection.ssl).toEqual({ ca: await readFile(bundle, "utf8") });
  });

  it("presents the client certificate and key given together, with or without a CA", async () => {
    const env = { KAFKA_SSL: "true", KAFKA_SSL_CERT_FILE: pki.clientCert, KAFKA_SSL_KEY_FILE: pki.clientKey };
    expect(kafkaConnectionFromEnv(loadConfig(KafkaEnv, env)).ssl).toEqual({
      cert: await readFile(pki.clientCert, "utf8"),
      key: await readFile(pki.clientKey, "utf8"),
    });
    const withCa = kafkaConnectionFromEnv(loadConfig(KafkaEnv, { ...env, KAFKA_SSL_CA_FILE: pki.caCert }));
    expect(Object.keys(withCa.ssl as object).sort()).toEqual(["ca", "cert", "key"]);
  });

  it("names the variable whose file is missing, unreadable or not PEM", async () => {
    expect(issuesOf({ KAFKA_SSL_CA_FILE: join(pki.dir, "missing.crt") })).toEqual([
      `KAFKA_SSL_CA_FILE: cannot read ${join(pki.dir, "missing.crt")} (ENOENT)`,
    ]);
    expect(issuesOf({ KAFKA_SSL_CA_FILE: pki.dir })).toEqual([
      `KAFKA_SSL_CA_FILE: cannot read ${pki.dir} (EISDIR)`,
    ]);
    if (process.getuid?.() !== 0) {
      // root reads any file, so a mode-000 file proves nothing there.
      const locked = join(pki.dir, "locked.crt");
      await writeFile(locked, await readFile(pki.caCert));
      await chmod(locked, 0o000);
      expect(issuesOf({ KAFKA_SSL_CA_FILE: locked })).toEqual([
        `KAFKA_SSL_CA_FILE: cannot read ${locked} (EACCES)`,
      ]);
    }
    expect(issuesOf({ KAFKA_SSL_CA_FILE: pki.clientKey })).toEqual([
      `KAFKA_SSL_CA_FILE: ${pki.clientKey} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
    expect(issuesOf({ KAFKA_SSL_CERT_FILE: pki.clientKey, KAFKA_SSL_KEY_FILE: pki.clientKey })).toEqual([
      `KAFKA_SSL_CERT_FILE: ${pki.clientKey} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
    expect(issuesOf({ KAFKA_SSL_CERT_FILE: pki.clientCert, KAFKA_SSL_KEY_FILE: pki.clientCert })).toEqual([
      expect.stringMatching(
        new RegExp(`^KAFKA_SSL_KEY_FILE: ${pki.clientCert} is not an unencrypted PEM private key`),
      ),
    ]);
  });

  it("requires the client certificate and key together, and the key must be the certificate's", () => {
    expect(issuesOf({ KAFKA_SSL_CERT_FILE: pki.clientCert })).toEqual([
      "KAFKA_SSL_KEY_FILE: is required with KAFKA_SSL_CERT_FILE",
    ]);
    expect(issuesOf({ KAFKA_SSL_KEY_FILE: pki.clientKey })).toEqual([
      "KAFKA_SSL_CERT_FILE: is required with KAFKA_SSL_KEY_FILE",
    ]);
    const brokerKey = join(pki.dir, "broker.key");
    expect(issuesOf({ KAFKA_SSL_CERT_FILE: pki.clientCert, KAFKA_SSL_KEY_FILE: brokerKey })).toEqual([
      `KAFKA_SSL_KEY_FILE: ${brokerKey} is not the private key of the certificate in KAFKA_SSL_CERT_FILE`,
    ]);
  });

  it("refuses KAFKA_SSL=false together with TLS files instead of silently dropping them", () => {
    expect(issuesOf({ KAFKA_SSL: "false", KAFKA_SSL_CA_FILE: pki.caCert })).toEqual([
      "KAFKA_SSL: is false, but KAFKA_SSL_CA_FILE need TLS: set KAFKA_SSL=true or leave it unset",
    ]);
    expect(issuesOf({ KAFKA_SSL: "maybe" })).toEqual(["KAFKA_SSL: expected true or false"]);
  });

  it("is read the same way by the consumer services and the topics CLI", () => {
    const env = {
      KAFKA_SSL_CA_FILE: pki.caCert,
      KAFKA_SSL_CERT_FILE: pki.clientCert,
      KAFKA_SSL_KEY_FILE: pki.clientKey,
    };
    const expected = kafkaConnectionFromEnv(loadConfig(KafkaEnv, env)).ssl;
    expect(kafkaConnectionFromEnv(loadConfig(z.intersection(KafkaEnv, TopicEnv), env)).ssl).toEqual(expected);
    expect(kafkaConnectionFromEnv(loadConfig(TopicsCliEnv, env)).ssl).toEqual(expected);
    expect(() =>
      loadConfig(z.intersection(KafkaEnv, TopicEnv), { KAFKA_SSL_CA_FILE: "/nonexistent/ca.crt" }),
    ).toThrow(/KAFKA_SSL_CA_FILE: cannot read \/nonexistent\/ca.crt \(ENOENT\)/);
  });
});
