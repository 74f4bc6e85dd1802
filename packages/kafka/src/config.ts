import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { envList } from "@parakey-bridge/config";
import { z } from "zod";

/** A PEM file named by a variable, read when the environment is parsed (the service's start). */
export interface PemFile {
  path: string;
  pem: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM bundle; throws on one that does not parse. */
function certificatesIn(pem: string): X509Certificate[] {
  return (pem.match(PEM_CERTIFICATE) ?? []).map((block) => new X509Certificate(block));
}

type PemKind = "certificates" | "private key";

/** Why `pem` is not what the variable must name, or undefined when it is. */
function pemProblem(pem: string, kind: PemKind): string | undefined {
  if (kind === "private key") {
    try {
      createPrivateKey(pem);
      return undefined;
    } catch (error) {
      // An encrypted key would need a passphrase we do not take; Kubernetes Secrets hold keys as is.
      return `is not an unencrypted PEM private key (${(error as Error).message})`;
    }
  }
  try {
    return certificatesIn(pem).length > 0
      ? undefined
      : "holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
  } catch (error) {
    return `holds a certificate that does not parse (${(error as Error).message})`;
  }
}

/**
 * A variable naming a PEM file: "" or unset = not given; otherwise the file must exist, be readable
 * and hold what `kind` says. It is read here, once at start, so a bad mount is a config error naming
 * the variable instead of a TLS failure on every broker connection later.
 */
const envPemFile = (kind: PemKind) =>
  z
    .string()
    .trim()
    .optional()
    .transform((path, ctx): PemFile | undefined => {
      if (!path) return undefined;
      let pem: string;
      try {
        pem = readFileSync(path, "utf8");
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        ctx.addIssue({ code: "custom", message: `cannot read ${path} (${code})`, input: path });
        return z.NEVER;
      }
      const problem = pemProblem(pem, kind);
      if (problem) {
        ctx.addIssue({ code: "custom", message: `${path} ${problem}`, input: path });
        return z.NEVER;
      }
      return { path, pem };
    });

/** `true/false/1/0/yes/no`, or undefined when unset: KAFKA_SSL's default depends on the TLS files. */
const optionalBoolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(["true", "false", "1", "0", "yes", "no", ""], { error: "expected true or false" }))
  .transform((value) => (value === "" ? undefined : value === "true" || value === "1" || value === "yes"))
  .optional();

const TLS_FILES = ["KAFKA_SSL_CA_FILE", "KAFKA_SSL_CERT_FILE", "KAFKA_SSL_KEY_FILE"] as const;

/**
 * Kafka connection settings from the environment, shared by every service, the topic CLI and tests.
 * SASL and TLS are ready for production clusters; local runs use plaintext on loopback.
 *
 * TLS: `KAFKA_SSL=true` trusts the system CAs. `KAFKA_SSL_CA_FILE` (a PEM bundle) trusts those CAs
 * instead — a private CA; `KAFKA_SSL_CERT_FILE` + `KAFKA_SSL_KEY_FILE` (both or neither) present a
 * client certificate (brokers with `ssl.client.auth=required`). Any of the files turns TLS on by
 * itself; `KAFKA_SSL=false` together with one is refused as contradictory. The broker's certificate
 * must name the host each broker is reached at (kafkajs sends it as SNI and Node checks it).
 */
export const KafkaEnv = z
  .object({
    KAFKA_BROKERS: envList(["127.0.0.1:9092"]).pipe(
      z.array(z.string().regex(/^[^:\s]+:\d+$/, "expected host:port")).min(1),
    ),
    KAFKA_CLIENT_ID: z.string().min(1).default("parakey-bridge"),
    KAFKA_SSL: optionalBoolean,
    KAFKA_SSL_CA_FILE: envPemFile("certificates"),
    KAFKA_SSL_CERT_FILE: envPemFile("certificates"),
    KAFKA_SSL_KEY_FILE: envPemFile("private key"),
    KAFKA_SASL_MECHANISM: z.enum(["plain", "scram-sha-256", "scram-sha-512"]).optional(),
    KAFKA_SASL_USERNAME: z.string().optional(),
    KAFKA_SASL_PASSWORD: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.KAFKA_SASL_MECHANISM && !(env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD)) {
      ctx.addIssue({
        code: "custom",
        message: "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM",
        path: ["KAFKA_SASL_MECHANISM"],
      });
    }
    const given = TLS_FILES.filter((name) => env[name] !== undefined);
    if (env.KAFKA_SSL === false && given.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `is false, but ${given.join(" and ")} need TLS: set KAFKA_SSL=true or leave it unset`,
        path: ["KAFKA_SSL"],
      });
    }
    const cert = env.KAFKA_SSL_CERT_FILE;
    const key = env.KAFKA_SSL_KEY_FILE;
    if (cert && !key) {
      ctx.addIssue({
        code: "custom",
        message: "is required with KAFKA_SSL_CERT_FILE",
        path: ["KAFKA_SSL_KEY_FILE"],
      });
    } else if (key && !cert) {
      ctx.addIssue({
        code: "custom",
        message: "is required with KAFKA_SSL_KEY_FILE",
        path: ["KAFKA_SSL_CERT_FILE"],
      });
    } else if (cert && key) {
      const [leaf] = certificatesIn(cert.pem);
      if (leaf && !leaf.checkPrivateKey(createPrivateKey(key.pem))) {
        ctx.addIssue({
          code: "custom",
          message: `${key.path} is not the private key of the certificate in KAFKA_SSL_CERT_FILE`,
          path: ["KAFKA_SSL_KEY_FILE"],
        });
      }
    }
  });

/**
 * TLS settings beyond the system CAs, passed to Node's `tls.connect` as they are. `ca` replaces the
 * system CAs (put public roots in the bundle too if a broker needs them); `key` is secret — the
 * logger redacts `ssl.key` (see REDACTED_PATHS in @parakey-bridge/telemetry).
 */
export interface KafkaTls {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  /** false: plaintext; true: TLS trusting the system CAs; an object: TLS with these CAs / client certificate. */
  ssl: boolean | KafkaTls;
  sasl?: { mechanism: "plain" | "scram-sha-256" | "scram-sha-512"; username: string; password: string };
}

/**
 * Maps the parsed environment onto connection settings (the PEM files were read when it was parsed).
 *
 * @example
 * const connection = kafkaConnectionFromEnv(loadConfig(KafkaEnv, { KAFKA_SSL_CA_FILE: "/etc/kafka-tls/ca.crt" }));
 * connection.ssl; // { ca: "-----BEGIN CERTIFICATE-----…" }
 */
export function kafkaConnectionFromEnv(env: z.output<typeof KafkaEnv>): KafkaConnection {
  const tls: KafkaTls = {};
  if (env.KAFKA_SSL_CA_FILE) tls.ca = env.KAFKA_SSL_CA_FILE.pem;
  if (env.KAFKA_SSL_CERT_FILE && env.KAFKA_SSL_KEY_FILE) {
    tls.cert = env.KAFKA_SSL_CERT_FILE.pem;
    tls.key = env.KAFKA_SSL_KEY_FILE.pem;
  }
  const connection: KafkaConnection = {
    brokers: env.KAFKA_BROKERS,
    clientId: env.KAFKA_CLIENT_ID,
    ssl: Object.keys(tls).length > 0 ? tls : (env.KAFKA_SSL ?? false),
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
