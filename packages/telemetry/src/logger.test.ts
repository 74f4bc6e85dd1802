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
});
