import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@parakey-bridge/config";
import { createTestPki, LocalKafka, type TestPki, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "./client.js";
import { KafkaEnv, kafkaConnectionFromEnv } from "./config.js";
import { BatchingProducer } from "./producer.js";
import { readTopic } from "./testing.js";

const log = pino({ level: "silent" });

// A private broker, never the shared one: its plaintext port (the launcher's readiness check), the
// controller on +1, a TLS listener on +2 and a listener that requires a client certificate on +3.
const port = Number(process.env.PB_TEST_TLS_KAFKA_PORT ?? 19592);
const sslBroker = `127.0.0.1:${port + 2}`;
const mtlsBroker = `127.0.0.1:${port + 3}`;

/** A client built the way every service builds one: environment → KafkaEnv → createKafka. */
function kafkaFromEnv(env: Record<string, string>, overrides: Parameters<typeof createKafka>[2] = {}) {
  const connection = kafkaConnectionFromEnv(
    loadConfig(KafkaEnv, { KAFKA_CLIENT_ID: uniqueName("tls"), ...env }),
  );
  return createKafka(connection, log, overrides);
}

/** Creates a topic, produces one record through BatchingProducer and reads it back, all over `env`'s connection. */
async function roundTrip(env: Record<string, string>): Promise<string[]> {
  const kafka = kafkaFromEnv(env);
  const topic = uniqueName("tls-roundtrip");
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    });
    const producer = new BatchingProducer(kafka, { log, registry: new Registry() });
    await producer.start();
    await producer.send({ topic, key: "door-1", value: Buffer.from("unlocked") });
    await producer.stop();
    const records = await readTopic(kafka, topic, { count: 1 });
    return records.map((record) => `${record.key}=${record.value?.toString()}`);
  } finally {
    await admin.disconnect();
  }
}

/** The error a client gets connecting with `env`; kafkajs's own retries off, the first failure is the answer. */
async function connectError(env: Record<string, string>): Promise<Error> {
  const admin = kafkaFromEnv(env, { retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
  } catch (error) {
    return error as Error;
  } finally {
    await admin.disconnect();
  }
  throw new Error("connected, but was expected to fail");
}

describe("Kafka over TLS with a private CA", () => {
  let pki: TestPki;
  let broker: LocalKafka;

  beforeAll(async () => {
    pki = await createTestPki(await mkdtemp(join(tmpdir(), "kafka-tls-pki-")));
    broker = new LocalKafka(port, {
      KAFKA_SSL_PORT: String(port + 2),
      KAFKA_MTLS_PORT: String(port + 3),
      KAFKA_SSL_PEM_DIR: pki.dir,
    });
    // A broker left running by an interrupted run holds another run's certificates: stop it (by the
    // PID the launcher recorded for this port) and start on fresh data with this run's PKI.
    await broker.stop();
    await broker.start({ fresh: true });
  });

  afterAll(async () => {
    await broker?.stop();
    if (pki) await rm(pki.dir, { recursive: true, force: true });
  });

  it("produces and consumes through createKafka trusting only the CA in KAFKA_SSL_CA_FILE", async () => {
    expect(await roundTrip({ KAFKA_BROKERS: sslBroker, KAFKA_SSL_CA_FILE: pki.caCert })).toEqual([
      "door-1=unlocked",
    ]);
  });

  it("produces and consumes over mutual TLS with KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE where the broker requires a client certificate", async () => {
    expect(
      await roundTrip({
        KAFKA_BROKERS: mtlsBroker,
        KAFKA_SSL: "true",
        KAFKA_SSL_CA_FILE: pki.caCert,
        KAFKA_SSL_CERT_FILE: pki.clientCert,
        KAFKA_SSL_KEY_FILE: pki.clientKey,
      }),
    ).toEqual(["door-1=unlocked"]);
  });

  it("fails to connect, naming the untrusted certificate, when the client lacks the private CA", async () => {
    const systemCas = await connectError({ KAFKA_BROKERS: sslBroker, KAFKA_SSL: "true" });
    // The broker sends its own certificate only, so Node cannot chain it to any CA it trusts.
    expect(systemCas.message).toBe(
      "Connection error: unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca",
    );
    const otherCa = await connectError({ KAFKA_BROKERS: sslBroker, KAFKA_SSL_CA_FILE: pki.otherCaCert });
    expect(otherCa.message).toMatch(/^Connection error: unable to verify the first certificate/);
  });

  it("is refused by a broker that requires a client certificate when none is configured", async () => {
    const error = await connectError({ KAFKA_BROKERS: mtlsBroker, KAFKA_SSL_CA_FILE: pki.caCert });
    // The broker ends the handshake with a TLS alert (bad_certificate; certificate_required in TLS 1.3).
    expect(error.message).toMatch(
      /^Connection error: .*ssl\/tls alert (bad certificate|certificate required)/,
    );
  });
});
