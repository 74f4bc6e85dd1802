import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot, waitUntil } from "@parakey-bridge/testkit";

/**
 * The three sink services (audit, billing, checkin) as real processes from their builds, consuming
 * one test's topic into one test's database, so a reconciliation is checked against what the real
 * sinks wrote. Ports come from the console's test range (21200–21299).
 */
export class SinkServices {
  private readonly children: { name: string; child: ChildProcess; output: string[] }[] = [];

  async start(env: Record<string, string>, basePort: number): Promise<void> {
    const names = ["audit", "billing", "checkin"] as const;
    for (const [i, name] of names.entries()) {
      const output: string[] = [];
      const child = spawn(process.execPath, ["dist/main.js"], {
        cwd: join(repoRoot, "services", name),
        env: {
          ...process.env,
          ...env,
          PORT: String(basePort + i * 2),
          ADMIN_PORT: String(basePort + i * 2 + 1),
          HOST: "127.0.0.1",
          KAFKA_GROUP_ID: `${env.GROUP_PREFIX}-${name}`,
          LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const keep = (chunk: Buffer) => {
        output.push(chunk.toString());
        if (output.length > 200) output.shift();
      };
      child.stdout?.on("data", keep);
      child.stderr?.on("data", keep);
      this.children.push({ name, child, output });
    }
    await waitUntil(
      "the sink services are ready",
      async () => {
        if (this.children.some((c) => c.child.exitCode !== null))
          throw new Error(`a sink service exited:\n${this.output()}`);
        for (const [i] of names.entries()) {
          const ok = await fetch(`http://127.0.0.1:${basePort + i * 2 + 1}/readyz`).then(
            (r) => r.ok,
            () => false,
          );
          if (!ok) return false;
        }
        return true;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
  }

  output(): string {
    return this.children
      .map((c) => `--- ${c.name} (exit ${c.child.exitCode})\n${c.output.join("")}`)
      .join("\n");
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    );
  }
}
