import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@parakey-bridge/config";
import { describe, expect, it } from "vitest";
import { loadDoorStreamsConfig } from "./config.js";

const key = "k".repeat(40);

describe("loadDoorStreamsConfig", () => {
  it("reads the pseudonym key from a mounted Secret file, without its trailing newline", () => {
    const file = join(mkdtempSync(join(tmpdir(), "streams-")), "pseudonym-key");
    writeFileSync(file, `${key}\n`);
    const config = loadDoorStreamsConfig({ PSEUDONYM_KEY_FILE: file });
    expect(config.pseudonymKey.toString()).toBe(key);
    expect(config.group).toBe("parakey-bridge-streams");
    expect(config.transactionalIdPrefix).toBe("parakey-bridge-streams");
    expect(config.topics).toEqual({
      eventLogs: "parakey.event-logs.v1",
      doorEvents: "parakey.door-events.v1",
      anonymous: "parakey.door-events.anonymous.v1",
      state: "parakey-bridge.door-events.seen",
    });
  });

  it("refuses to start without a pseudonym key, with a short one, or with an unreadable file", () => {
    expect(() => loadDoorStreamsConfig({})).toThrow(/PSEUDONYM_KEY_FILE/);
    expect(() => loadDoorStreamsConfig({ PSEUDONYM_KEY: "short" })).toThrow(/at least 32 bytes/);
    expect(() => loadDoorStreamsConfig({ PSEUDONYM_KEY_FILE: "/nonexistent/key" })).toThrow(ConfigError);
  });

  it("keeps the key out of the error it reports", () => {
    try {
      loadDoorStreamsConfig({ PSEUDONYM_KEY: "secret-but-short", KAFKA_BROKERS: "" });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain("secret-but-short");
    }
  });
});
