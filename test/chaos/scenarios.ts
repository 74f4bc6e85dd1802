import type { ClusterNode } from "@parakey-bridge/testkit/launchers";
import { LoopbackPartition } from "./partition.js";
import { sleep } from "./processes.js";
import type { ChaosStack } from "./stack.js";

export interface ScenarioContext {
  stack: ChaosStack;
  /** The CI form: shorter load and waits, same faults. */
  short: boolean;
  log: (line: string) => void;
}

export interface ScenarioOutcome {
  /** When the last fault was undone (broker back, replica restarted); recovery is timed from here. */
  healedMs?: number;
  notes: string[];
}

export interface Scenario {
  id: number;
  title: string;
  /** Runs the faults while the load runs; returns once the faults are over. */
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
  /** Why this scenario cannot run on this machine, if it cannot. */
  unavailable?(): Promise<string | undefined>;
  /** Seconds of load after the faults are over, before the settle phase. */
  tailSeconds?: number;
}

async function mostLeaders(stack: ChaosStack): Promise<{ node: ClusterNode; leaders: number }> {
  const counts = await stack.leaderCounts();
  const [node, leaders] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] ?? [1, 0];
  return { node, leaders };
}

/** Up to `ms` while `until` is false, polling; returns when it became true (ms) or undefined. */
async function waitFor(ms: number, until: () => Promise<boolean>): Promise<number | undefined> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await until()) return Date.now();
    await sleep(500);
  }
  return undefined;
}

export const scenarios: Scenario[] = [
  {
    id: 1,
    title: "SIGKILL the broker leading most partitions under load; restart it after 20 s",
    async run({ stack, short, log }) {
      await sleep(short ? 5_000 : 10_000);
      const { node, leaders } = await mostLeaders(stack);
      log(`SIGKILL node ${node} (leads ${leaders} of the event topic's partitions)`);
      await stack.cluster.kill(node);
      await sleep(20_000);
      await stack.cluster.startNodes(node);
      const healedMs = Date.now();
      log(`node ${node} serving again`);
      return { healedMs, notes: [`killed node ${node}, leader of ${leaders}/6 partitions`] };
    },
  },
  {
    id: 2,
    title: "SIGKILL the active KRaft controller; restart it after 20 s",
    async run({ stack, log }) {
      await sleep(10_000);
      const controller = await stack.cluster.controller();
      log(`SIGKILL node ${controller} (the active controller)`);
      const killedMs = Date.now();
      await stack.cluster.kill(controller);
      const next = await waitFor(20_000, async () => {
        try {
          return (await stack.cluster.controller()) !== controller;
        } catch {
          return false;
        }
      });
      await sleep(Math.max(0, killedMs + 20_000 - Date.now()));
      await stack.cluster.startNodes(controller);
      return {
        healedMs: Date.now(),
        notes: [
          next === undefined
            ? `killed controller node ${controller}; no new controller seen within 20 s`
            : `killed controller node ${controller}; a new one was elected after ${((next - killedMs) / 1000).toFixed(1)} s`,
        ],
      };
    },
  },
  {
    id: 3,
    title: "Two of three brokers down (SIGKILL, below min ISR) for 30 s",
    async run({ stack, log }) {
      await sleep(10_000);
      const counts = [...(await stack.leaderCounts()).entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      const stopped = counts.slice(0, 2).map(([node]) => node);
      log(`stopping nodes ${stopped.join(" and ")}: one replica left, min.insync.replicas=2`);
      const outageStart = Date.now();
      const before = { ...stack.load.tally };
      await Promise.all(stopped.map((node) => stack.cluster.kill(node)));
      await sleep(30_000);
      const during = {
        ok: stack.load.tally.ok - before.ok,
        unavailable: stack.load.tally.unavailable - before.unavailable,
      };
      await stack.cluster.startNodes(...stopped);
      log(`nodes back after ${Math.round((Date.now() - outageStart) / 1000)} s`);
      return {
        healedMs: Date.now(),
        notes: [
          `killed nodes ${stopped.join(", ")} for 30 s; during the outage: ${during.ok} webhook 2xx, ${during.unavailable} 503`,
        ],
      };
    },
  },
  {
    id: 4,
    title: "SIGKILL one ingress replica mid-load; the poller leadership moves",
    async run({ stack, log }) {
      await sleep(10_000);
      const leader = (await stack.pollLeader("ingress-a")) ? "ingress-a" : "ingress-b";
      const other = leader === "ingress-a" ? "ingress-b" : "ingress-a";
      log(`SIGKILL ${leader} (the poller leader)`);
      const killedMs = Date.now();
      await stack.killReplica(leader);
      const movedMs = await waitFor(60_000, () => stack.pollLeader(other));
      await sleep(Math.max(0, killedMs + 20_000 - Date.now()));
      await stack.restartReplica(leader);
      return {
        healedMs: killedMs,
        notes: [
          movedMs === undefined
            ? `killed ${leader}; ${other} did NOT take the poller lead within 60 s`
            : `killed ${leader}; ${other} took the poller lead after ${((movedMs - killedMs) / 1000).toFixed(1)} s`,
        ],
      };
    },
  },
  {
    id: 5,
    title: "SIGKILL an audit replica three times during a rebalance-heavy minute",
    async run({ stack, short, log }) {
      const gap = short ? 8_000 : 15_000;
      let healedMs = Date.now();
      for (const [i, name] of (["audit-a", "audit-b", "audit-a"] as const).entries()) {
        await sleep(gap);
        log(`SIGKILL ${name} (${i + 1}/3)`);
        await stack.killReplica(name);
        // Back before the session timeout runs out: the group rebalances for the death and the return.
        await sleep(2_000);
        await stack.restartReplica(name);
        healedMs = Date.now();
      }
      return { healedMs, notes: ["audit-a, audit-b, audit-a killed and restarted"] };
    },
  },
  {
    id: 6,
    title: "PostgreSQL restarted, then made read-only for 30 s",
    async run({ stack, log }) {
      await sleep(10_000);
      log("restarting PostgreSQL (fast shutdown, 10 s down)");
      await stack.postgres.stop();
      await sleep(10_000);
      await stack.postgres.start();
      await sleep(15_000);
      log("PostgreSQL read-only for 30 s");
      await stack.superuserSql("ALTER SYSTEM SET default_transaction_read_only = on");
      await sleep(30_000);
      await stack.superuserSql("ALTER SYSTEM RESET default_transaction_read_only");
      return { healedMs: Date.now(), notes: ["restart (10 s down), then 30 s read-only"] };
    },
  },
  {
    id: 7,
    title: "Parakey drops 20 % of webhook deliveries for good, 429/5xx on 10 % of API calls",
    tailSeconds: 5,
    async run({ stack, log }) {
      log("dropping 20 % of webhook deliveries, faulting 10 % of API calls");
      const droppedBefore = stack.load.tally.dropped;
      stack.load.dropFraction = 0.2;
      stack.load.startApiFaults(0.1);
      await sleep(60_000);
      stack.load.dropFraction = 0;
      const api = stack.load.stopApiFaults();
      const { dropped } = stack.load.tally;
      return {
        healedMs: Date.now(),
        notes: [
          `${dropped - droppedBefore} deliveries lost for good; only the poller can bring them (a poll every 60 s)`,
          `${api.faulted} of ${api.requests} Parakey API calls answered 429/5xx`,
        ],
      };
    },
  },
  {
    id: 8,
    title: "A hung broker: SIGSTOP for 30 s, then SIGCONT",
    async run({ stack, log }) {
      await sleep(10_000);
      const { node, leaders } = await mostLeaders(stack);
      log(`SIGSTOP node ${node} (leads ${leaders} partitions) for 30 s`);
      await stack.cluster.pause(node);
      await sleep(30_000);
      await stack.cluster.resume(node);
      return {
        healedMs: Date.now(),
        notes: [
          `paused node ${node}, leader of ${leaders}/6 partitions; the network partition is scenario 10`,
        ],
      };
    },
  },
  {
    id: 9,
    title: "A hung controller: SIGSTOP the active KRaft controller for 30 s, then SIGCONT",
    async run({ stack, log }) {
      await sleep(10_000);
      const controller = await stack.cluster.controller();
      const leaders = (await stack.leaderCounts()).get(controller) ?? 0;
      log(`SIGSTOP node ${controller} (the active controller, leads ${leaders} partitions) for 30 s`);
      await stack.cluster.pause(controller);
      await sleep(30_000);
      await stack.cluster.resume(controller);
      return {
        healedMs: Date.now(),
        notes: [`paused controller node ${controller}, leader of ${leaders}/6 partitions`],
      };
    },
  },
  {
    id: 10,
    title:
      "A broker cut off by a network partition for 30 s (nothing reaches it; the controller still hears it)",
    unavailable: () => LoopbackPartition.unavailable(),
    async run({ stack, log }) {
      await sleep(10_000);
      // Not the controller: a cut-off controller loses the quorum's lead (scenario 9's ground); a
      // broker the controller still hears keeps its leaderships, which is the harder case.
      const controller = await stack.cluster.controller();
      const counts = await stack.leaderCounts();
      const [node, leaders] = [...counts.entries()]
        .filter(([candidate]) => candidate !== controller)
        .sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] ?? [controller === 1 ? 2 : 1, 0];
      const port = stack.cluster.portOf(node);
      log(
        `cutting node ${node} (leads ${leaders} partitions) off: packets to and from :${port} and :${port + 1} dropped for 30 s`,
      );
      const partition = new LoopbackPartition();
      await partition.isolate([port, port + 1]);
      try {
        await sleep(30_000);
      } finally {
        await partition.heal();
      }
      log(`node ${node} reachable again`);
      return {
        healedMs: Date.now(),
        notes: [
          `cut off node ${node}, leader of ${leaders}/6 partitions, for 30 s (tc on lo; its own outgoing connections still passed)`,
        ],
      };
    },
  },
];
