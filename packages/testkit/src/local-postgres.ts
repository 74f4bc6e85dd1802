import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { postgresScript } from "./paths.js";

const run = promisify(execFile);

/** The shared PostgreSQL for tests: $DATABASE_URL, or Debian's server started by scripts/postgres.sh. */
export async function ensureSharedPostgres(): Promise<string> {
  const { stdout } = await run("bash", [postgresScript, "ensure"], { timeout: 600_000 });
  return stdout.trim();
}

/**
 * A private PostgreSQL server in a temporary directory, for outage tests that stop and start the
 * database under load without touching the server other tests share. Runs as the `postgres` OS user
 * (the server refuses root).
 */
export class PrivatePostgres {
  private readonly dir: string;

  constructor(readonly port: number) {
    this.dir = mkdtempSync(join(tmpdir(), "pb-pg-"));
    chmodSync(this.dir, 0o777);
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private async bin(name: string): Promise<string> {
    const { stdout } = await run("bash", ["-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1"]);
    return join(stdout.trim(), name);
  }

  /** Runs one of the server's programs as the `postgres` OS user on this server's data directory. */
  private async onData(program: string, args: string[]) {
    const command = [await this.bin(program), "-D", join(this.dir, "data"), ...args];
    return run("runuser", ["-u", "postgres", "--", ...command], { timeout: 120_000 });
  }

  async init(): Promise<void> {
    await this.onData("initdb", ["-A", "trust", "-U", "postgres"]);
  }

  async start(): Promise<void> {
    await this.onData("pg_ctl", [
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "-l",
      join(this.dir, "server.log"),
      "-w",
      "start",
    ]);
  }

  /** The postmaster's PID while it runs, read synchronously (for an exit handler's last SIGKILL). */
  pidSync(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Removes the server's temporary directory (stop it first). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    await this.onData("pg_ctl", ["-m", "fast", "-w", "stop"]);
  }
}
