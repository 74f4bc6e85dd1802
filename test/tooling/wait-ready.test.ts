import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@parakey-bridge/testkit";
import { afterEach, describe, expect, it } from "vitest";

// scripts/start.sh waits for each service with this function; the tests source it as start.sh does.
const lib = join(repoRoot, "scripts/lib/wait-ready.sh");

/** Runs `wait_ready NAME PORT LOGFILE [PID]` in bash; async, so a server in this process can answer. */
function waitReady(
  args: string[],
  timeoutSeconds: number,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", `source "${lib}" && wait_ready "$@"`, "wait_ready", ...args], {
      env: { ...process.env, READY_TIMEOUT_SECONDS: String(timeoutSeconds) },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

function logFile(lines: number): string {
  const file = join(mkdtempSync(join(tmpdir(), "wait-ready-")), "demo.log");
  writeFileSync(file, Array.from({ length: lines }, (_, i) => `log line ${i + 1}`).join("\n"));
  return file;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on: bound once by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("wait_ready (scripts/start.sh)", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  it("says what it waits for and 'ready' once /readyz answers 200 after answering 503", async () => {
    let requests = 0;
    server = createServer((req, res) => {
      requests += 1;
      res.writeHead(req.url === "/readyz" && requests > 2 ? 200 : 503).end();
    });
    const port = await listen(server);

    const result = await waitReady(["demo", String(port), logFile(3)], 60);

    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(`^\\[start\\] waiting for demo on :${port}/readyz … ready \\(\\d+s\\)\\n$`),
    );
    expect(requests).toBeGreaterThanOrEqual(3);
  });

  it("prints no curl error while nothing listens, and gives up after the timeout with the log's last 20 lines", async () => {
    const port = await closedPort();

    const result = await waitReady(["demo", String(port), logFile(30)], 1);

    expect(result.status).toBe(1);
    expect(result.stderr).not.toMatch(/curl|Failed to connect/);
    expect(result.stderr).toContain(`waiting for demo on :${port}/readyz … FAILED`);
    expect(result.stderr).toContain("not ready within 1s (READY_TIMEOUT_SECONDS)");
    expect(result.stderr).toContain("log line 30");
    expect(result.stderr).toContain("log line 11");
    expect(result.stderr).not.toContain("log line 10\n");
  });

  it("stops waiting at once when the process it waits for has exited", async () => {
    const port = await closedPort();
    const exited = spawnSync("true");

    const result = await waitReady(["demo", String(port), logFile(1), String(exited.pid)], 600);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`its process (pid ${exited.pid}) exited before it was ready`);
    expect(result.stderr).toContain("log line 1");
  });
});
