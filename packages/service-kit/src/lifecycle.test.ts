import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { type Component, Lifecycle } from "./lifecycle.js";

const log = pino({ level: "silent" });

function recorder(events: string[], name: string, stopMs = 0): Component {
  return {
    name,
    start: async () => {
      events.push(`start ${name}`);
    },
    stop: () =>
      new Promise((resolve) =>
        setTimeout(() => {
          events.push(`stop ${name}`);
          resolve();
        }, stopMs),
      ),
  };
}

describe("Lifecycle", () => {
  it("starts in order and stops in reverse", async () => {
    const events: string[] = [];
    const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: 1000 });
    lifecycle.add(recorder(events, "pool")).add(recorder(events, "producer")).add(recorder(events, "http"));
    await lifecycle.start();
    expect(await lifecycle.stop()).toBe(true);
    expect(events).toEqual([
      "start pool",
      "start producer",
      "start http",
      "stop http",
      "stop producer",
      "stop pool",
    ]);
  });

  it("runs one shutdown however often it is asked", async () => {
    const events: string[] = [];
    const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: 1000 });
    lifecycle.add(recorder(events, "http", 20));
    await lifecycle.start();
    const [a, b] = await Promise.all([lifecycle.stop("SIGTERM"), lifecycle.stop("SIGTERM")]);
    expect([a, b]).toEqual([true, true]);
    expect(events.filter((e) => e.startsWith("stop"))).toEqual(["stop http"]);
    expect(lifecycle.isShuttingDown).toBe(true);
  });

  it("reports an unclean shutdown when a component overruns its budget, and still stops the rest", async () => {
    const events: string[] = [];
    const lifecycle = new Lifecycle({ log, shutdownTimeoutMs: 1000 });
    lifecycle.add(recorder(events, "pool")).add(recorder(events, "stuck", 500), { stopTimeoutMs: 20 });
    await lifecycle.start();
    expect(await lifecycle.stop()).toBe(false);
    expect(events).toContain("stop pool");
  });
});
