import { describe, expect, it } from "vitest";
import { parseCliOptions } from "./cli-options.js";

describe("parakey-simulator command line", () => {
  it("reads every option", () => {
    const parsed = parseCliOptions(
      [
        "--port",
        "9000",
        "--token",
        "t",
        "--host",
        "127.0.0.1",
        "--webhook-url",
        "http://a.test/hook",
        "--webhook-url",
        "http://b.test/hook",
        "--webhook-header",
        "Authorization: Basic abc:def",
        "--webhook-header",
        "X-Secret:  s3",
        "--allowed-offset-minutes",
        "10",
        "--webhook-device",
        "dev_1",
        "--rate",
        "2.5",
        "--seed",
        "42",
        "--domains",
        "3",
        "--locks",
        "12",
        "--users",
        "50",
        "--offline-fraction",
        "0.25",
        "--clock-offset-ms=-30000",
        "--retry-time-scale",
        "0.001",
        "--log-level",
        "debug",
        "--paging-asc",
        "honoured",
        "--paging-offset",
        "honoured",
        "--paging-limit-cap",
        "50",
        "--paging-ties",
        "unstable",
        "--paging-start-date",
        "exclusive",
      ],
      {},
    );
    expect(parsed).toEqual({
      ok: true,
      options: {
        logLevel: "debug",
        simulator: {
          token: "t",
          port: 9000,
          host: "127.0.0.1",
          rate: 2.5,
          seed: 42,
          domains: 3,
          locks: 12,
          users: 50,
          offlineFraction: 0.25,
          clockOffsetMs: -30_000,
          retryTimeScale: 0.001,
          webhooks: ["http://a.test/hook", "http://b.test/hook"].map((url) => ({
            url,
            headers: { Authorization: "Basic abc:def", "X-Secret": "s3" },
            allowedOffsetMinutes: 10,
            deviceIds: ["dev_1"],
          })),
          paging: {
            ascending: "honoured",
            offset: "honoured",
            limitCap: 50,
            ties: "unstable",
            startDate: "exclusive",
          },
        },
      },
    });
  });

  it("has defaults for everything but the token, which may come from the environment", () => {
    const parsed = parseCliOptions([], { PARAKEY_SIMULATOR_TOKEN: "from-env" });
    expect(parsed).toMatchObject({
      ok: true,
      options: {
        simulator: {
          token: "from-env",
          port: 8089,
          host: "0.0.0.0",
          rate: 1,
          seed: 1,
          webhooks: [],
          // The documented behaviour alone.
          paging: { ascending: "ignored", offset: "ignored", ties: "stable", startDate: "inclusive" },
        },
      },
    });
  });

  it("refuses a paging switch it does not know, naming it", () => {
    const parsed = parseCliOptions(["--token", "t", "--paging-asc", "sometimes"], {});
    expect(parsed.ok).toBe(false);
    expect(parsed.ok === false && parsed.message).toContain("ascending");
  });

  it("lists every problem at once", () => {
    const parsed = parseCliOptions(
      ["--port", "70000", "--offline-fraction", "2", "--webhook-header", "no colon", "--webhook-url", "nope"],
      {},
    );
    expect(parsed.ok).toBe(false);
    const message = parsed.ok === false ? parsed.message : "";
    for (const part of ["--token", "--port", "--offline-fraction", "--webhook-header", "--webhook-url"]) {
      expect(message).toContain(part);
    }
  });

  it("refuses unknown options and answers --help", () => {
    expect(parseCliOptions(["--tokn", "t"], {})).toMatchObject({ ok: false });
    expect(parseCliOptions(["--help"], {})).toEqual({ ok: "help" });
  });
});
