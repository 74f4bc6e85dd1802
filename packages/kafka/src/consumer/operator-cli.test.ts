import type { Kafka } from "kafkajs";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { parseSince, runOperatorCommand } from "./operator-cli.js";

describe("replay --since", () => {
  it.each([
    ["2026-11-23", "2026-11-23T00:00:00.000Z"],
    ["2026-11-23T08:00:00Z", "2026-11-23T08:00:00.000Z"],
    ["2026-11-23T08:00:00.250Z", "2026-11-23T08:00:00.250Z"],
    ["2026-11-23T08:00:00+01:00", "2026-11-23T07:00:00.000Z"],
  ])("takes the ISO-8601 instant %s", (text, iso) => {
    expect(parseSince(text)?.toISOString()).toBe(iso);
  });

  it.each([
    "yesterday",
    "Nov 23 2026",
    "23/11/2026",
    "12/11/2026",
    "2026-11-23 08:00",
    "2026-11-23T08:00:00", // no zone: the machine's local time
    "1732348800000",
    "2026-13-01",
    "",
  ])("refuses %j, which Date would have read somehow", (text) => {
    expect(parseSince(text)).toBeUndefined();
  });

  it("answers a usage error (exit 2) without touching Kafka when --since is not ISO-8601", async () => {
    const lines: string[] = [];
    const code = await runOperatorCommand(["replay", "--since", "Nov 23 2026"], {
      kafka: {} as Kafka, // never reached: the argument is refused first
      group: "g",
      topics: ["t"],
      log: pino({ level: "silent" }),
      print: (line) => lines.push(line),
    });
    expect(code).toBe(2);
    expect(lines.join("\n")).toMatch(/^replay needs --since <ISO-8601>/);
  });
});
