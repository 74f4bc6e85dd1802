import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createParakeyClient } from "@parakey-bridge/parakey-client";
import { waitUntil } from "@parakey-bridge/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "./simulator.js";

/** A webhook receiver on a loopback port, answering each request with the scripted status. */
async function startReceiver(answer: (call: number) => number = () => 200) {
  const received: { headers: IncomingHttpHeaders; body: string; at: number }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: performance.now(),
      });
      res.writeHead(answer(received.length)).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/parakey`;
  return {
    url,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const TOKEN = "tok_integration";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulatorWith(options: Partial<Parameters<typeof startSimulator>[0]>): Promise<Simulator> {
  const sim = await startSimulator({ port: 0, token: TOKEN, seed: 5, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

async function receiver(answer?: (call: number) => number) {
  const r = await startReceiver(answer);
  cleanups.push(r.close);
  return r;
}

describe("webhooks over real HTTP", () => {
  it("POSTs each new event log, exactly as GET /eventLogs/:id serves it, with the custom headers", async () => {
    const hook = await receiver();
    const sim = await simulatorWith({
      offlineFraction: 0,
      webhooks: [{ url: hook.url, headers: { Authorization: "Basic c2ltOnNlY3JldA==" } }],
    });
    const logs = sim.api.generate(5);
    await sim.webhooks.idle();

    // Deliveries run concurrently, as Parakey's do: compare without relying on arrival order.
    const byId = (a: { id: unknown }, b: { id: unknown }) => String(a.id).localeCompare(String(b.id));
    const bodies = hook.received.map((r) => JSON.parse(r.body) as { id: unknown });
    expect(bodies.sort(byId)).toEqual([...logs].sort(byId));
    for (const { headers } of hook.received) {
      expect(headers.authorization).toBe("Basic c2ltOnNlY3JldA==");
      expect(headers["content-type"]).toBe("application/json");
      expect(headers["user-agent"]).toBe("Parakey-WebhookWorker/1.0");
    }
    const first = hook.received[0];
    const id = (JSON.parse(first?.body ?? "{}") as { id: string }).id;
    const served = await fetch(`${sim.url}/eventLogs/${id}`, { headers: { "access-token": TOKEN } });
    expect(await served.text()).toBe(first?.body);
  });

  it("retries a failing receiver on the (scaled) schedule, drops the delivery, and only polling recovers it", async () => {
    const hook = await receiver(() => 503);
    const sim = await simulatorWith({
      offlineFraction: 0,
      retryTimeScale: 0.0005,
      webhooks: [{ url: hook.url }],
    });
    const [log] = sim.api.addEvents([
      {
        id: "el_lost",
        timestamp: new Date().toISOString(),
        createdAt: new Date().toISOString(),
        device: { id: "dev_1" },
      },
    ]);
    await sim.webhooks.idle();

    expect(hook.received).toHaveLength(6);
    const first = hook.received[0]?.at ?? 0;
    // Retries at +1, +3, +7, +12, +20 minutes, scaled by 0.0005: +30, +90, +210, +360, +600 ms.
    const offsets = hook.received.map((r) => r.at - first);
    [0, 30, 90, 210, 360, 600].forEach((expected, i) => {
      expect(offsets[i]).toBeGreaterThanOrEqual(expected - 5);
    });
    expect(sim.webhooks.stats()[0]).toMatchObject({
      delivered: 0,
      failedAttempts: 6,
      dropped: 1,
      pending: 0,
    });

    const page = await createParakeyClient({ baseUrl: sim.url, token: TOKEN }).listEventLogs();
    expect(page.status === "ok" && page.items.map((item) => (item.ok ? item.eventLog.id : null))).toEqual([
      log?.id,
    ]);
  });

  it("stops every delivery to a webhook that answered 410 Gone, and keeps sending to the others", async () => {
    const gone = await receiver(() => 410);
    const healthy = await receiver();
    const sim = await simulatorWith({
      offlineFraction: 0,
      webhooks: [{ url: gone.url }, { url: healthy.url }],
    });
    sim.api.generate(1);
    await sim.webhooks.idle();
    sim.api.generate(4);
    await sim.webhooks.idle();

    expect(gone.received).toHaveLength(1);
    expect(healthy.received).toHaveLength(5);
    expect(sim.webhooks.stats().map((s) => s.disabled)).toEqual([true, false]);
  });

  it("skips late offline uploads for a webhook with an allowed offset, while polling still finds them", async () => {
    const live = await receiver();
    const sim = await simulatorWith({
      offlineFraction: 0,
      webhooks: [{ url: live.url, allowedOffsetMinutes: 5 }],
    });
    // History older than the window, so a short read is provably the whole window (see readWindow).
    sim.api.addEvents(
      Array.from({ length: 100 }, (_, i) => {
        const at = new Date(Date.now() - 7 * 86_400_000 + i * 1_000).toISOString();
        return { id: `el_history_${i}`, timestamp: at, createdAt: at, device: { id: "dev_1" } };
      }),
    );
    const before = new Date(Date.now() - 1000);
    const fresh = sim.api.generate(3);
    const backlog = sim.api.uploadBacklog({ count: 4, spanMs: 2 * 24 * 3_600_000 });
    await sim.webhooks.idle();

    const delayOf = (log: Record<string, unknown>) =>
      Date.parse(String(log.createdAt)) - Date.parse(String(log.timestamp));
    const tooOld = backlog.filter((log) => delayOf(log) > 5 * 60_000);
    expect(tooOld.length).toBeGreaterThan(0);
    const delivered = live.received
      .map((r) => (JSON.parse(r.body) as { id: string }).id)
      .filter((id) => !id.startsWith("el_history_"))
      .sort();
    const expected = [...fresh, ...backlog]
      .filter((log) => !tooOld.includes(log))
      .map((log) => String(log.id));
    expect(delivered).toEqual(expected.sort());
    expect(sim.webhooks.stats()[0]?.filtered.too_old).toBe(tooOld.length);

    const polled: string[] = [];
    for await (const page of createParakeyClient({ baseUrl: sim.url, token: TOKEN }).readWindow(before)) {
      for (const item of page.items) if (item.ok) polled.push(item.event.eventLogId);
    }
    expect(polled.sort()).toEqual([...fresh, ...backlog].map((log) => String(log.id)).sort());
  });
});

describe("the parakey-simulator CLI", () => {
  const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));

  function spawnCli(args: string[]): { child: ChildProcess; output: () => string } {
    // The source runs through tsx, with workspace packages resolved to their sources too.
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--conditions=@parakey-bridge/source", cli, ...args],
      {
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    return { child, output: () => output };
  }

  it("streams unlocks to a webhook with the given headers and exits 0 on SIGTERM", async () => {
    const hook = await receiver();
    const { child, output } = spawnCli([
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--token",
      TOKEN,
      "--rate",
      "50",
      "--seed",
      "9",
      "--offline-fraction",
      "0",
      "--webhook-url",
      hook.url,
      "--webhook-header",
      "X-Shared-Secret: s3cr3t",
    ]);
    await waitUntil("the webhook received three unlocks", () => hook.received.length >= 3);
    expect(hook.received[0]?.headers["x-shared-secret"]).toBe("s3cr3t");
    expect(output()).toContain("parakey simulator listening");
    expect(output()).not.toContain("s3cr3t");

    const url = /"url":"(http:[^"]+)"/.exec(output())?.[1];
    const polled = await fetch(`${url}/eventLogs?limit=1`, { headers: { "access-token": TOKEN } });
    expect(polled.status).toBe(200);

    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
    expect(output()).toContain('"clean":true');
  });

  it("exits 2 with the usage when the options are wrong", async () => {
    const { child, output } = spawnCli(["--port", "nope"]);
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(2);
    expect(output()).toContain("--token (or PARAKEY_SIMULATOR_TOKEN) is required");
    expect(output()).toContain("usage: parakey-simulator");
  });
});
