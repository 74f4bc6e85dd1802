import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { runKafkaLauncher } from "./paths.js";

/** A node of the three-node cluster: 1, 2 or 3 (also its KRaft node id). */
export type ClusterNode = 1 | 2 | 3;

export const clusterNodes: readonly ClusterNode[] = [1, 2, 3];

/**
 * A real three-node KRaft cluster (combined broker+controller nodes, static quorum, replication
 * factor 3, `min.insync.replicas=2`) started by the project's launcher in cluster mode
 * (`deploy/kafka-local/kafka-local.sh cluster …`). Node N serves on `basePort + 2(N-1)` and its
 * controller on the port after that, so the cluster takes six ports from `basePort`. Fault tests
 * kill, stop, pause and restart single nodes through it; every signal goes to the PID the launcher
 * recorded, never to a process found by name.
 *
 * @example
 * const cluster = new KafkaCluster(21000);
 * await cluster.start({ fresh: true });
 * await cluster.kill(2); await cluster.startNodes(2); // a crash and a restart with the same data
 * await cluster.stop();
 */
export class KafkaCluster {
  constructor(
    readonly basePort: number,
    private readonly env: Record<string, string> = {},
  ) {}

  /** The bootstrap list, `127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`. */
  get brokers(): string {
    return clusterNodes.map((node) => `127.0.0.1:${this.portOf(node)}`).join(",");
  }

  portOf(node: ClusterNode): number {
    return this.basePort + 2 * (node - 1);
  }

  private launcher(args: string[], timeoutMs = 240_000, env: Record<string, string> = {}): Promise<string> {
    return runKafkaLauncher(
      ["cluster", ...args],
      { ...this.env, KAFKA_CLUSTER_PORT: String(this.basePort), ...env },
      timeoutMs,
    );
  }

  /** Formats (once, or anew with `fresh`) and starts the three nodes; resolves with {@link brokers}. */
  async start(options: { fresh?: boolean } = {}): Promise<string> {
    await this.launcher(["start"], 300_000, { KAFKA_LOCAL_FRESH: options.fresh ? "1" : "0" });
    return this.brokers;
  }

  /** SIGTERM to every node, all at once, waiting for each to exit. */
  async stop(): Promise<void> {
    await this.launcher(["stop"], 120_000);
  }

  /** Starts the given nodes again (same data) and waits until each serves. */
  async startNodes(...nodes: ClusterNode[]): Promise<void> {
    await this.launcher(["start-node", ...nodes.map(String)]);
  }

  /** A graceful stop of one node (SIGTERM, controlled shutdown). */
  async stopNode(node: ClusterNode): Promise<void> {
    await this.launcher(["stop-node", String(node)], 120_000);
  }

  /** SIGKILL: a crash, no controlled shutdown. */
  async kill(node: ClusterNode): Promise<void> {
    await this.launcher(["kill", String(node)]);
  }

  /** SIGSTOP: the process hangs, its sockets stay open. */
  async pause(node: ClusterNode): Promise<void> {
    await this.launcher(["pause", String(node)]);
  }

  /** SIGCONT after {@link pause}. */
  async resume(node: ClusterNode): Promise<void> {
    await this.launcher(["resume", String(node)]);
  }

  /** The node id of the active KRaft controller (the quorum leader). */
  async controller(): Promise<ClusterNode> {
    return toNode(await this.launcher(["controller"]));
  }

  /**
   * The PIDs of the running nodes as the launcher recorded them, read synchronously so an exit
   * handler can still SIGKILL them when the process ends abruptly.
   */
  pidsSync(): number[] {
    const home =
      this.env.KAFKA_LOCAL_HOME ??
      process.env.KAFKA_LOCAL_HOME ??
      join(homedir(), ".cache/parakey-bridge/kafka");
    const pids: number[] = [];
    for (const node of clusterNodes) {
      try {
        const pid = Number(readFileSync(join(home, `data-${this.portOf(node)}`, "kafka.pid"), "utf8").trim());
        if (Number.isInteger(pid) && pid > 0) pids.push(pid);
      } catch {
        // not running
      }
    }
    return pids;
  }
}

/** Reads a node number the launcher printed. */
function toNode(text: string): ClusterNode {
  const node = Number(text.trim());
  if (node !== 1 && node !== 2 && node !== 3) throw new Error(`not a cluster node: ${JSON.stringify(text)}`);
  return node;
}
