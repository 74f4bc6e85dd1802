import type { Logger } from "@parakey-bridge/telemetry";
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from "kafkajs";
import type { KafkaConnection } from "./config.js";

export type { Kafka } from "kafkajs";

const levelNames: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/**
 * A kafkajs client from connection settings, logging through the service's pino logger.
 * kafkajs is verbose at INFO (every group join); its INFO lines are logged at debug.
 *
 * @example
 * const kafka = createKafka({ brokers: ["127.0.0.1:9092"], clientId: "ingress", ssl: false }, log);
 */
export function createKafka(
  connection: KafkaConnection,
  log: Logger,
  overrides: Partial<KafkaConfig> = {},
): Kafka {
  const kafkaLog = log.child({ component: "kafkajs" });
  const config: KafkaConfig = {
    clientId: connection.clientId,
    brokers: connection.brokers,
    ssl: connection.ssl,
    ...(connection.sasl ? { sasl: saslOptions(connection.sasl) } : {}),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    // Retries here cover metadata/connection hiccups; every send is additionally bounded by our own deadline.
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        // BatchingProducer bounds kafkajs's retries on purpose and retries itself with a fresh
        // producer id (see producer.ts); kafkajs warns about that on every producer it creates.
        if (message === "Limiting retries for the idempotent producer may invalidate EoS guarantees") {
          kafkaLog.debug(rest, message);
          return;
        }
        const name = levelNames[level] ?? "info";
        kafkaLog[name === "info" ? "debug" : name](rest, message);
      },
  };
  return new Kafka(Object.assign(config, overrides));
}

function saslOptions(sasl: NonNullable<KafkaConnection["sasl"]>): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case "plain":
      return { mechanism: "plain", username, password };
    case "scram-sha-256":
      return { mechanism: "scram-sha-256", username, password };
    case "scram-sha-512":
      return { mechanism: "scram-sha-512", username, password };
  }
}
