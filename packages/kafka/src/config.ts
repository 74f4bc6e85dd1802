import { envBoolean, envList } from "@parakey-bridge/config";
import { z } from "zod";

/**
 * Kafka connection settings from the environment, shared by every service, the topic CLI and tests.
 * SASL and TLS are ready for production clusters; local runs use plaintext on loopback.
 */
export const KafkaEnv = z
  .object({
    KAFKA_BROKERS: envList(["127.0.0.1:9092"]).pipe(
      z.array(z.string().regex(/^[^:\s]+:\d+$/, "expected host:port")).min(1),
    ),
    KAFKA_CLIENT_ID: z.string().min(1).default("parakey-bridge"),
    KAFKA_SSL: envBoolean(false),
    KAFKA_SASL_MECHANISM: z.enum(["plain", "scram-sha-256", "scram-sha-512"]).optional(),
    KAFKA_SASL_USERNAME: z.string().optional(),
    KAFKA_SASL_PASSWORD: z.string().optional(),
  })
  .refine((env) => !env.KAFKA_SASL_MECHANISM || (env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD), {
    message: "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM",
    path: ["KAFKA_SASL_MECHANISM"],
  });

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: { mechanism: "plain" | "scram-sha-256" | "scram-sha-512"; username: string; password: string };
}

/** Maps the parsed environment onto connection settings. */
export function kafkaConnectionFromEnv(env: z.output<typeof KafkaEnv>): KafkaConnection {
  const connection: KafkaConnection = {
    brokers: env.KAFKA_BROKERS,
    clientId: env.KAFKA_CLIENT_ID,
    ssl: env.KAFKA_SSL,
  };
  if (env.KAFKA_SASL_MECHANISM && env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD) {
    connection.sasl = {
      mechanism: env.KAFKA_SASL_MECHANISM,
      username: env.KAFKA_SASL_USERNAME,
      password: env.KAFKA_SASL_PASSWORD,
    };
  }
  return connection;
}
