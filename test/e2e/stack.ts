import { type ChildProcess, spawn } from "node:child_process";
import { repoRoot } from "@parakey-bridge/testkit";

/** The stack as a user starts it: `bash scripts/start.sh`, in its own process group. */
export class Stack {
  private child: ChildProcess | undefined;
  output = "";

  async start(env: Record<string, string>, readyTimeoutMs = 240_000): Promise<void> {
    const child = spawn("bash", ["scripts/start.sh"], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const onData = (chunk: Buffer) => {
      this.output += chunk.toString();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`stack not running in time:\n${this.output}`)),
        readyTimeoutMs,
      );
      const check = () => {
        if (this.output.includes("parakey-bridge is running")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on("data", check);
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`start.sh exited with ${code}:\n${this.output}`));
      });
    });
  }

  /** SIGTERM as Ctrl-C would; resolves with the exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    }, 60_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}
