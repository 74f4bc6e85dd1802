import { parseArgs } from "node:util";
import { z } from "zod";
import type { StartSimulatorOptions } from "./simulator.js";
import { PagingBehaviour } from "./store/paging-behaviour.js";
import type { WebhookSettings } from "./webhooks/webhook.js";

export const USAGE = `usage: parakey-simulator --token <token> [options]

  --port <n>                     listen port (default 8089; 0 picks a free one)
  --host <addr>                  listen address (default 0.0.0.0)
  --token <token>                the access-token the API accepts (or env PARAKEY_SIMULATOR_TOKEN)
  --webhook-url <url>            POST each new event log there (repeatable)
  --webhook-header 'Name: value' custom header on every webhook request (repeatable)
  --allowed-offset-minutes <n>   webhooks skip event logs whose createdAt - timestamp exceeds n minutes
  --webhook-device <id>          webhooks send only this lock's event logs (repeatable)
  --rate <events/s>              unlocks per second happening on their own (default 1; 0 = none)
  --seed <n>                     same seed, same world and event logs (default 1)
  --domains <n> --locks <n> --users <n>   size of the world (default 2, 6, 20)
  --offline-fraction <0..1>      share of locks that upload their backlog late (default 0.2)
  --clock-offset-ms <n>          Parakey's clock minus the real clock (default 0);
                                 write a negative one as --clock-offset-ms=-30000
  --retry-time-scale <x>         multiplies webhook retry delays (default 1; 0.001 = 20 min in 1.2 s)
  --paging-asc honoured|ignored  orderBy=createdAt:ASC (default ignored: newest first, as documented)
  --paging-offset honoured|ignored   offset (default ignored: every page starts at the top)
  --paging-limit-cap <n>         the largest page returned whatever limit asks (default none)
  --paging-ties stable|unstable  order of event logs sharing one createdAt (default stable)
  --paging-start-date inclusive|exclusive   startDate bound (default inclusive)
  --log-level <level>            pino level (default info)
  --help
`;

export interface CliOptions {
  simulator: StartSimulatorOptions & { port: number; host: string };
  logLevel: string;
}

export type ParsedCli = { ok: true; options: CliOptions } | { ok: false; message: string } | { ok: "help" };

/**
 * Reads the command line (and the token from the environment when `--token` is absent). Pure, so
 * every rule is testable; `cli.ts` does the side effects.
 *
 * @example
 * const parsed = parseCliOptions(["--token", "t", "--rate", "5"], process.env);
 */
export function parseCliOptions(argv: string[], env: Record<string, string | undefined>): ParsedCli {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  if (values.help) return { ok: "help" };
  const problems: string[] = [];
  const number = (name: string, raw: string | undefined, fallback: number, check: (n: number) => boolean) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || !check(value)) {
      problems.push(`--${name} ${JSON.stringify(raw)} is out of range`);
      return fallback;
    }
    return value;
  };
  const whole = (n: number) => Number.isInteger(n) && n >= 0;
  const positive = (n: number) => Number.isInteger(n) && n >= 1;

  const token = values.token ?? env.PARAKEY_SIMULATOR_TOKEN;
  if (!token) problems.push("--token (or PARAKEY_SIMULATOR_TOKEN) is required");
  const headers: Record<string, string> = {};
  for (const header of values["webhook-header"] ?? []) {
    const colon = header.indexOf(":");
    const name = header.slice(0, colon).trim();
    if (colon < 1 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      problems.push(`--webhook-header ${JSON.stringify(header)} is not "Name: value"`);
      continue;
    }
    headers[name] = header.slice(colon + 1).trim();
  }
  const urls = values["webhook-url"] ?? [];
  for (const url of urls)
    if (!URL.canParse(url)) problems.push(`--webhook-url ${JSON.stringify(url)} is not a URL`);
  const rawOffset = values["allowed-offset-minutes"];
  const allowedOffsetMinutes =
    rawOffset === undefined ? undefined : number("allowed-offset-minutes", rawOffset, 0, (n) => n >= 0);
  const deviceIds = values["webhook-device"];
  const webhooks: WebhookSettings[] = urls.map((url) => ({
    url,
    headers,
    ...(allowedOffsetMinutes === undefined ? {} : { allowedOffsetMinutes }),
    ...(deviceIds === undefined ? {} : { deviceIds }),
  }));

  const paging = PagingBehaviour.safeParse({
    ascending: values["paging-asc"],
    offset: values["paging-offset"],
    limitCap:
      values["paging-limit-cap"] === undefined
        ? undefined
        : number("paging-limit-cap", values["paging-limit-cap"], 1, positive),
    ties: values["paging-ties"],
    startDate: values["paging-start-date"],
  });
  if (!paging.success) problems.push(`paging switches: ${z.prettifyError(paging.error)}`);

  const simulator = {
    token: token ?? "",
    port: number("port", values.port, 8089, (n) => whole(n) && n <= 65535),
    host: values.host ?? "0.0.0.0",
    rate: number("rate", values.rate, 1, (n) => n >= 0 && n <= 100_000),
    seed: number("seed", values.seed, 1, whole),
    domains: number("domains", values.domains, 2, positive),
    locks: number("locks", values.locks, 6, positive),
    users: number("users", values.users, 20, positive),
    offlineFraction: number("offline-fraction", values["offline-fraction"], 0.2, (n) => n >= 0 && n <= 1),
    clockOffsetMs: number("clock-offset-ms", values["clock-offset-ms"], 0, Number.isInteger),
    retryTimeScale: number("retry-time-scale", values["retry-time-scale"], 1, (n) => n > 0),
    webhooks,
    ...(paging.success ? { paging: paging.data } : {}),
  };
  if (problems.length > 0) return { ok: false, message: problems.join("\n") };
  return { ok: true, options: { simulator, logLevel: values["log-level"] ?? "info" } };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      token: { type: "string" },
      "webhook-url": { type: "string", multiple: true },
      "webhook-header": { type: "string", multiple: true },
      "allowed-offset-minutes": { type: "string" },
      "webhook-device": { type: "string", multiple: true },
      rate: { type: "string" },
      seed: { type: "string" },
      domains: { type: "string" },
      locks: { type: "string" },
      users: { type: "string" },
      "offline-fraction": { type: "string" },
      "clock-offset-ms": { type: "string" },
      "retry-time-scale": { type: "string" },
      "paging-asc": { type: "string" },
      "paging-offset": { type: "string" },
      "paging-limit-cap": { type: "string" },
      "paging-ties": { type: "string" },
      "paging-start-date": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
