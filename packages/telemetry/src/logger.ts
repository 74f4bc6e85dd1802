import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * Paths pino blanks out in every log line: credentials (webhook secrets, Parakey tokens, database and
 * Kafka passwords, the Kafka client key) and personal data that Parakey clears after its retention period anyway.
 */
export const REDACTED_PATHS = [
  "password",
  "*.password",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "*.secrets",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "headers.cookie",
  'headers["access-token"]',
  'headers["x-parakey-secret"]',
  "databaseUrl",
  "*.databaseUrl",
  // A Kafka connection's client private key (KafkaConnection.ssl.key, read from KAFKA_SSL_KEY_FILE),
  // on its own, inside a config object, or inside a service config's `kafka`.
  "ssl.key",
  "*.ssl.key",
  "*.*.ssl.key",
  "KAFKA_SSL_KEY_FILE.pem",
  "*.KAFKA_SSL_KEY_FILE.pem",
  "email",
  "*.email",
  "user.name",
  "*.user.name",
  "user.email",
  "*.user.email",
];

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Extra paths to redact, e.g. the configured webhook secret header. */
  redact?: string[];
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
}

/**
 * A structured JSON logger with credentials and personal data redacted.
 *
 * @example
 * const log = createLogger({ service: "ingress", level: "info" });
 * log.info({ eventLogId }, "event accepted");
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACTED_PATHS, ...(options.redact ?? [])], censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
