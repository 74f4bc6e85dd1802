import { describe, expect, it } from "vitest";
import { parseBackfillArgs } from "./args.js";

describe("parseBackfillArgs", () => {
  it("reads the integration, the range and the options", () => {
    expect(
      parseBackfillArgs([
        "--integration",
        "acme",
        "--from",
        "2026-11-01T00:00:00Z",
        "--to",
        "2026-11-02T00:00:00+01:00",
        "--page-size",
        "500",
        "--restart",
      ]),
    ).toEqual({
      ok: true,
      args: {
        integration: "acme",
        from: new Date("2026-11-01T00:00:00Z"),
        to: new Date("2026-11-01T23:00:00Z"),
        pageSize: 500,
        restart: true,
      },
    });
  });

  it("reports every problem at once", () => {
    const parsed = parseBackfillArgs(["--from", "yesterday", "--page-size", "0"]);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok === false && parsed.problems).toEqual([
      "--integration is required",
      '--from "yesterday" is not an ISO-8601 instant with a zone',
      "--to is required",
      "--page-size must be an integer from 1 to 1000",
    ]);
  });

  it("refuses an empty or reversed range and unknown flags", () => {
    const reversed = parseBackfillArgs([
      "--integration",
      "a",
      "--from",
      "2026-11-02T00:00:00Z",
      "--to",
      "2026-11-01T00:00:00Z",
    ]);
    expect(reversed.ok === false && reversed.problems).toEqual(["--from must be before --to"]);
    expect(parseBackfillArgs(["--since", "x"]).ok).toBe(false);
  });
});
