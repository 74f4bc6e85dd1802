import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { eventLogFixture } from "@parakey-bridge/contracts/testing";

const run = promisify(execFile);

/**
 * Installs each command missing from PATH from Debian's packages (`{ command: package }`): the
 * benchmarks' load generator is a native one, so its own CPU is small and the same for every system.
 */
export async function ensureDebianPackages(commands: Record<string, string>): Promise<void> {
  const missing = Object.entries(commands).filter(([command]) => !existsOnPath(command));
  if (missing.length === 0) return;
  const packages = missing.map(([, pkg]) => pkg);
  process.stderr.write(`installing ${packages.join(", ")} from Debian's packages ...\n`);
  await run("apt-get", ["update", "-qq"], { timeout: 300_000 });
  await run("apt-get", ["install", "-y", "-qq", ...packages], {
    timeout: 300_000,
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

function existsOnPath(command: string): boolean {
  return (process.env.PATH ?? "").split(":").some((dir) => existsSync(join(dir, command)));
}

const ID = "@@ID@@";
const DEVICE = "@@DEVICE@@";

function bodyTemplate(): [head: string, middle: string, tail: string] {
  const body = JSON.stringify(eventLogFixture({ id: ID, deviceId: DEVICE }));
  const [head = "", rest = ""] = body.split(ID);
  const [middle = "", tail = ""] = rest.split(DEVICE);
  return [head, middle, tail];
}

/**
 * A wrk Lua script that POSTs a realistic event log to `path`: a fresh id per request
 * (`el_<run id>_<thread>_<n>`, the run id given after `--` on wrk's command line, so a warm-up and
 * a measured run never share ids) and one of `devices` locks, optionally also sent in `keyHeader`.
 * It prints one `PB_RESULT {…}` line that `runWrk` reads.
 */
export function wrkScript(
  path: string,
  headers: Record<string, string>,
  options: { devices: number; keyHeader?: string | undefined; delayMs?: number | undefined },
): string {
  const [head, middle, tail] = bodyTemplate();
  const lua = (text: string) => `[==[${text}]==]`;
  return `
local head, middle, tail = ${lua(head)}, ${lua(middle)}, ${lua(tail)}
local run = "unset"
local counter = 0
local threads = 0
${Object.entries(headers)
  .map(([name, value]) => `wrk.headers[ ${lua(name)} ] = ${lua(value)}`)
  .join("\n")}
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
-- The run id comes after \`--\` on wrk's command line: warm-up and measured runs never share an id.
function init(args)
  run = args[1]
end
request = function()
  counter = counter + 1
  local device = "lock-" .. math.random(${options.devices})
  ${options.keyHeader ? `wrk.headers[ ${lua(options.keyHeader)} ] = device` : ""}
  local body = head .. "el_" .. run .. "_" .. tid .. "_" .. counter .. middle .. device .. tail
  return wrk.format("POST", ${lua(path)}, nil, body)
end
${
  // Paced runs: each connection waits this long after a response before its next request, so the
  // rate is about connections / (delay + latency), the same for every system (closed-loop runs
  // reach different rates, and CPU per request falls as the rate rises).
  options.delayMs === undefined ? "" : `function delay()\n  return ${Math.round(options.delayMs)}\nend`
}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('PB_RESULT {"requests":%d,"durationMicros":%d,"non2xx":%d,"socketErrors":%d,"p50Micros":%d,"p99Micros":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
}

/** How many of `ids` the `wrkScript` run `runId` sent (its ids are `el_<run id>_<thread>_<n>`). */
export function countIdsOfRun(ids: Iterable<string>, runId: string): number {
  const prefix = `el_${runId}_`;
  let count = 0;
  for (const id of ids) if (id.startsWith(prefix)) count += 1;
  return count;
}

/** Writes the `wrkScript` for the ingress's webhook (shared-secret header) to `file`, and returns `file`. */
export function writeWebhookScript(file: string, secret: string, devices: number, delayMs?: number): string {
  writeFileSync(
    file,
    wrkScript(
      "/webhooks/parakey",
      { "content-type": "application/json", "x-parakey-secret": secret },
      { devices, delayMs },
    ),
  );
  return file;
}

/** What one wrk run measured. */
export interface LoadResult {
  requests: number;
  seconds: number;
  non2xx: number;
  socketErrors: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs wrk (one thread, `connections` connections) with a `wrkScript` for `seconds`. */
export async function runWrk(
  url: string,
  script: string,
  options: { seconds: number; connections: number; runId: string },
): Promise<LoadResult> {
  const { stdout } = await run(
    "wrk",
    [
      "-t1",
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      "--timeout",
      "20s",
      "-s",
      script,
      url,
      "--",
      options.runId,
    ],
    { timeout: (options.seconds + 60) * 1000 },
  );
  const line = stdout.split("\n").find((l) => l.startsWith("PB_RESULT "));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line.slice("PB_RESULT ".length)) as {
    requests: number;
    durationMicros: number;
    non2xx: number;
    socketErrors: number;
    p50Micros: number;
    p99Micros: number;
  };
  return {
    requests: r.requests,
    seconds: r.durationMicros / 1e6,
    non2xx: r.non2xx,
    socketErrors: r.socketErrors,
    p50Ms: r.p50Micros / 1000,
    p99Ms: r.p99Micros / 1000,
  };
}
