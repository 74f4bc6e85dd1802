import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@parakey-bridge/testkit/launchers";

/**
 * PIDs this run started and must not leave behind: every child process, the Kafka nodes and the
 * PostgreSQL server. `killAllSync` runs from the process's exit handler, so even a crash of the
 * runner, Ctrl-C or an unhandled rejection leaves nothing running. Only recorded PIDs are signalled.
 */
export class Reaper {
  private readonly children = new Set<ChildProcess>();
  private readonly extra: (() => number[])[] = [];
  private installed = false;

  track(child: ChildProcess): void {
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
  }

  /** PIDs that live outside this process tree (the launcher `setsid`s Kafka), read at exit time. */
  trackPids(pids: () => number[]): void {
    this.extra.push(pids);
  }

  killAllSync(): void {
    for (const child of this.children) {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    for (const pids of this.extra) {
      for (const pid of safe(pids)) {
        try {
          process.kill(pid, "SIGCONT");
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  }

  /** Kills everything recorded when this process exits, however it exits. */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    process.once("exit", () => this.killAllSync());
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.once(signal, () => {
        process.stderr.write(`\n[chaos] ${signal}: stopping everything this run started\n`);
        process.exit(130);
      });
    }
  }
}

function safe(pids: () => number[]): number[] {
  try {
    return pids();
  } catch {
    return [];
  }
}

export interface ServiceSpec {
  /** e.g. `ingress-a`; names the log file. */
  name: string;
  /** `ingress`, `audit`, `billing` or `checkin`: the folder under services/. */
  service: string;
  env: Record<string, string>;
  adminPort: number;
}

/**
 * One service replica as production runs it: `node --import ./dist/telemetry.js dist/main.js` in
 * its folder with its environment, output appended to a log file. SIGKILL is a crash; a restart
 * starts a new process with the same environment.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private readonly log: WriteStream;

  constructor(
    readonly spec: ServiceSpec,
    private readonly reaper: Reaper,
    logDir: string,
  ) {
    this.log = createWriteStream(join(logDir, `${spec.name}.log`));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const child = spawn("node", ["--import", "./dist/telemetry.js", "dist/main.js"], {
      cwd: join(repoRoot, "services", this.spec.service),
      env: { ...process.env, ...this.spec.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.reaper.track(child);
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
  }

  /** Until the admin port's /readyz answers 200. */
  async ready(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.spec.name} exited during start (see its log)`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.spec.adminPort}/readyz`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(500);
    }
    throw new Error(`${this.spec.name} not ready within ${timeoutMs} ms`);
  }

  /** SIGKILL: no graceful shutdown, as a crash or an OOM kill. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL", 10_000);
  }

  /** SIGTERM, as Kubernetes stops a pod; SIGKILL after the grace period. */
  async stop(graceMs = 30_000): Promise<void> {
    await this.signal("SIGTERM", graceMs);
  }

  private async signal(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  close(): void {
    this.log.end();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
