import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/**
 * Starts a built service (`services/<name>/dist/main.js`, telemetry first, as its container does)
 * as its own process with exactly `env`.
 */
export function spawnService(name: string, env: NodeJS.ProcessEnv, stdio: StdioOptions): ChildProcess {
  return spawn(process.execPath, ["--import", "./dist/telemetry.js", "dist/main.js"], {
    cwd: join(root, "services", name),
    env,
    stdio,
  });
}

/** The ingress's settings for a load run: webhook auth by a shared secret, topics named after `prefix`. */
export function ingressEnv(options: {
  brokers: string;
  prefix: string;
  port: number;
  adminPort: number;
  secret: string;
}): Record<string, string> {
  return {
    KAFKA_BROKERS: options.brokers,
    KAFKA_CLIENT_ID: options.prefix,
    HOST: "127.0.0.1",
    PORT: String(options.port),
    ADMIN_PORT: String(options.adminPort),
    WEBHOOK_SECRET_HEADER: "x-parakey-secret",
    WEBHOOK_SECRETS: options.secret,
    // The per-credential limit (6 000 a minute by default) stays on, set above what the load sends.
    WEBHOOK_RATE_LIMIT_PER_MINUTE: "1000000",
    TOPIC_EVENT_LOGS: `${options.prefix}.events`,
    TOPIC_REJECTED: `${options.prefix}.rejected`,
    TOPIC_PARTITIONS: "6",
  };
}

/** Resolves once the child writes `text` to its stdout (piped); rejects if it exits first or takes over 60 s. */
export function waitForLine(child: ChildProcess, text: string, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}`));
    });
  });
}

/** SIGTERM, then SIGKILL when the process has not exited 30 s later; resolves with its exit code. */
export function stopProcess(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("exit", (code) => {
      clearTimeout(kill);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
}

/**
 * The sum of a Prometheus counter or gauge over its series (those whose labels contain `labels`,
 * when given) on a service's admin port; 0 while the service does not answer yet.
 */
export async function metricTotal(adminPort: number, name: string, labels = ""): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    let total = 0;
    for (const match of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)`, "gm"))) {
      if (labels === "" || (match[1] ?? "").includes(labels)) total += Number(match[2]);
    }
    return total;
  } catch {
    return 0;
  }
}
