import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Cuts one broker off the network by its ports, on the loopback device, with the kernel's traffic
 * control: every packet to or from the node's client and controller ports is sent to a class that
 * passes 8 bits per second through a one-packet queue (the drop action and the `prio`/`netem`
 * qdiscs are not in every kernel; `htb` and the `u32` classifier are), which is a black hole.
 *
 * Why not `ip netns`: the cluster, the services and the load all live on 127.0.0.1 (chaos traffic
 * stays on loopback addresses), and a loopback address cannot be routed into another namespace. The
 * price: the node's own outgoing connections (its heartbeats to the controller, its fetches as a
 * follower) use ephemeral ports and still get through. This is the asymmetric partition real
 * networks produce (a broker that nobody can reach while the controller hears it fine): the
 * controller does not move its leaderships, so producers to its partitions see timeouts rather than a
 * fail-over, its followers cannot fetch, and its groups' coordinator may be out of reach.
 */
export class LoopbackPartition {
  private cut = false;
  private exitHook: (() => void) | undefined;

  /** Why a partition cannot be made here, if it cannot (not root, no `tc`, lo already shaped). */
  static async unavailable(): Promise<string | undefined> {
    if (process.getuid?.() !== 0) return "traffic control needs root";
    try {
      const { stdout } = await run("tc", ["qdisc", "show", "dev", "lo"]);
      if (!/qdisc noqueue 0: root/.test(stdout)) return `lo already has a qdisc (${stdout.trim()})`;
    } catch {
      return "no `tc` (iproute2) on this machine";
    }
    return undefined;
  }

  /** Drops every packet to or from `ports` on lo until {@link heal}. */
  async isolate(ports: readonly number[]): Promise<void> {
    if (this.cut) throw new Error("already partitioned");
    this.cut = true;
    // However this process ends, lo must not stay shaped: the machine's own services use it.
    this.exitHook = () => healSync();
    process.once("exit", this.exitHook);
    try {
      await tc("qdisc", "add", "dev", "lo", "root", "handle", "1:", "htb", "default", "1", "r2q", "1000");
      await tc("class", "add", "dev", "lo", "parent", "1:", "classid", "1:1", "htb", "rate", "40gbit");
      await tc(
        "class",
        "add",
        "dev",
        "lo",
        "parent",
        "1:",
        "classid",
        "1:9",
        "htb",
        "rate",
        "8bit",
        "ceil",
        "8bit",
      );
      await tc("qdisc", "add", "dev", "lo", "parent", "1:9", "handle", "90:", "pfifo", "limit", "1");
      for (const port of ports) {
        for (const field of ["dport", "sport"]) {
          await tc(
            "filter",
            "add",
            "dev",
            "lo",
            "parent",
            "1:",
            "protocol",
            "ip",
            "prio",
            "1",
            "u32",
            "match",
            "ip",
            field,
            String(port),
            "0xffff",
            "flowid",
            "1:9",
          );
        }
      }
    } catch (error) {
      await this.heal();
      throw error;
    }
  }

  /** Removes the shaping (and what it held back): the node is reachable again. */
  async heal(): Promise<void> {
    if (!this.cut) return;
    this.cut = false;
    if (this.exitHook) process.off("exit", this.exitHook);
    healSync();
  }
}

async function tc(...args: string[]): Promise<void> {
  await run("tc", args);
}

function healSync(): void {
  try {
    execFileSync("tc", ["qdisc", "del", "dev", "lo", "root"], { stdio: "ignore" });
  } catch {
    // nothing to remove
  }
}
