import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** A service running as its own process, as `pnpm start` runs it. */
export interface ServiceProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** What it wrote to stderr so far, for a failure message. */
  stderr: string[];
}

/**
 * Starts the built service in `serviceDir` (its `dist/main.js` with its telemetry preloaded) with
 * only `env` and PATH, so nothing of the test runner's environment leaks into its config. Its
 * stderr is kept (and echoed when TEST_LOG_LEVEL is set). For crash tests that SIGKILL a service.
 *
 * @example
 * const run = startServiceProcess(serviceDir, consumerServiceEnv({ databaseUrl, group, topic }));
 * run.child.kill("SIGKILL");
 */
export function startServiceProcess(serviceDir: string, env: Record<string, string>): ServiceProcess {
  const mainJs = join(serviceDir, "dist", "main.js");
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: build the service first (pnpm build)`);
  const stderr: string[] = [];
  const child = spawn(process.execPath, ["--import", "./dist/telemetry.js", "dist/main.js"], {
    cwd: serviceDir,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (process.env.TEST_LOG_LEVEL) process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, stderr };
}
