import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, destination };
}

describe("createLogger", () => {
  it("redacts credentials and personal data", () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: "test", destination, redact: ['headers["x-webhook-secret"]'] });
    log.info(
      {
        headers: { authorization: "Basic c2VjcmV0", "access-token": "tkn-9f8e", "x-webhook-secret": "s3" },
        config: { password: "pw", databaseUrl: "postgres://u:p@h/db" },
        user: { id: "usr_1", name: "Ada", email: "ada@example.com" },
      },
      "hello",
    );
    const line = JSON.stringify(lines[0]);
    for (const secret of ["c2VjcmV0", "tkn-9f8e", "s3", '"pw"', "u:p@h", "Ada", "ada@example.com"]) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain("usr_1");
    expect(lines[0]).toMatchObject({ service: "test", level: "info", msg: "hello" });
  });

  it("redacts the Kafka client key wherever a connection or parsed environment is logged", () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: "test", destination });
    const key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG\n-----END PRIVATE KEY-----\n";
    const ssl = { ca: "-----BEGIN CERTIFICATE-----", cert: "client-cert", key };
    log.info({ ssl }, "connection");
    log.info({ connection: { brokers: ["b:9093"], ssl } }, "connection in an object");
    log.info({ config: { kafka: { ssl } } }, "service config");
    log.info({ env: { KAFKA_SSL_KEY_FILE: { path: "/etc/kafka-tls/tls.key", pem: key } } }, "environment");
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(JSON.stringify(line)).not.toContain("MIGHAgEAMBMG");
    expect(JSON.stringify(lines[2])).toContain("client-cert");
    expect(JSON.stringify(lines[3])).toContain("/etc/kafka-tls/tls.key");
  });
});
