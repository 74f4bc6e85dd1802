import type { Logger } from "@parakey-bridge/telemetry";
import { testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import type { Admin, Kafka } from "kafkajs";
import { pino } from "pino";
import { afterAll, beforeAll } from "vitest";
import { createKafka } from "./client.js";

/** What {@link brokerSuite} gives a describe block. */
export interface BrokerSuite {
  /** A client of the shared test broker, built by this package's own `createKafka`. */
  kafka: Kafka;
  /** Connected before the block's first test, disconnected after its last. */
  admin: Admin;
  /** Topics the block made: deleted after its last test. */
  created: string[];
}

/**
 * The set-up of this package's integration suites, called inside a `describe`: a client of the
 * shared broker named after `name`, an admin connected for the block, and its topics deleted at the end.
 *
 * @example
 * const { kafka, admin, created } = brokerSuite("reconcile");
 */
export function brokerSuite(name: string, log: Logger = pino({ level: "silent" })): BrokerSuite {
  const kafka = createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName(name), ssl: false }, log);
  const admin = kafka.admin();
  const created: string[] = [];
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });
  return { kafka, admin, created };
}
