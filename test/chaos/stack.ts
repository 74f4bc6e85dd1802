import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Topics } from "@parakey-bridge/contracts";
import {
  type ClusterNode,
  clusterNodes,
  KafkaCluster,
  PrivatePostgres,
  repoRoot,
} from "@parakey-bridge/testkit/launchers";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { Load } from "./load.js";
import { Reaper, ServiceProcess, type ServiceSpec, sleep } from "./processes.js";

const run = promisify(execFile);

/** Ports of this suite (a private range, so it never meets the shared broker or another suite). */
export interface ChaosPorts {
  /** Node 1's client port; the cluster uses six ports from it. */
  kafka: number;
  postgres: number;
  /** First of the services' ports (two per replica) and the simulator's. */
  http: number;
}

const WEBHOOK_USER = "parakey";
const WEBHOOK_PASSWORD = "chaos-webhook-secret-0123";
const SIM_TOKEN = "chaos-sim-token";
const INTEGRATION = "chaos";

export type ReplicaName = "ingress-a" | "ingress-b" | "audit-a" | "audit-b" | "billing" | "checkin";

/**
 * The whole bridge on one machine, as production runs it but small: a three-node Kafka cluster,
 * PostgreSQL, two ingress replicas (webhook + poller with leader election), two audit replicas,
 * billing and check-in, and the simulated Parakey sending unlocks to the ingress replicas through a
 * balancer. Everything started here is stopped by `close()`, and SIGKILLed by the reaper if this
 * process dies first.
 */
export class ChaosStack {
  readonly reaper = new Reaper();
  readonly cluster: KafkaCluster;
  readonly postgres: PrivatePostgres;
  readonly load: Load;
  readonly services = new Map<ReplicaName, ServiceProcess>();
  private db: pg.Pool | undefined;
  readonly logDir: string;

  constructor(
    readonly ports: ChaosPorts,
    options: { rate: number; logDir: string },
  ) {
    this.cluster = new KafkaCluster(ports.kafka);
    this.postgres = new PrivatePostgres(ports.postgres);
    this.logDir = options.logDir;
    mkdirSync(this.logDir, { recursive: true });
    this.load = new Load({
      port: ports.http + 20,
      token: SIM_TOKEN,
      webhookPath: "/webhooks/parakey",
      authorization: `Basic ${Buffer.from(`${WEBHOOK_USER}:${WEBHOOK_PASSWORD}`).toString("base64")}`,
      rate: options.rate,
      // Parakey's 20-minute retry schedule in one minute: a 30 s outage still ends in a delivery.
      retryTimeScale: 0.05,
      seed: 10,
    });
    this.reaper.trackPids(() => this.cluster.pidsSync());
    this.reaper.trackPids(() => {
      const pid = this.postgres.pidSync();
      return pid === undefined ? [] : [pid];
    });
  }

  get brokers(): string {
    return this.cluster.brokers;
  }

  get databaseUrl(): string {
    return this.postgres.url;
  }

  get pool(): pg.Pool {
    if (!this.db) {
      this.db = new pg.Pool({ connectionString: this.databaseUrl, max: 2 });
      // A PostgreSQL restart breaks idle clients: that must not crash the runner (queries retry).
      this.db.on("error", () => undefined);
    }
    return this.db;
  }

  async start(log: (line: string) => void): Promise<void> {
    this.reaper.install();
    log(`starting the three-node Kafka cluster on 127.0.0.1:${this.ports.kafka}-${this.ports.kafka + 5}`);
    await this.cluster.start({ fresh: true });
    log(`starting PostgreSQL on 127.0.0.1:${this.ports.postgres}`);
    await this.postgres.init();
    await this.postgres.start();
    log("creating the topics (replication factor 3, min.insync.replicas=2)");
    await run("node", [join(repoRoot, "packages/kafka/dist/cli/topics.js"), "ensure"], {
      env: { ...process.env, KAFKA_BROKERS: this.brokers, TOPIC_REPLICATION_FACTOR: "3", LOG_LEVEL: "warn" },
      timeout: 120_000,
    });
    await this.load.start();
    const specs = this.specs();
    for (const spec of specs)
      this.services.set(spec.name as ReplicaName, new ServiceProcess(spec, this.reaper, this.logDir));
    // Consumers first, one at a time: each applies its schema migrations at start.
    for (const name of ["audit-a", "audit-b", "billing", "checkin", "ingress-a", "ingress-b"] as const) {
      log(`starting ${name}`);
      const service = this.replica(name);
      service.start();
      await service.ready();
    }
    this.load.setTargets(this.ingressTargets());
    log("stack ready");
  }

  replica(name: ReplicaName): ServiceProcess {
    const service = this.services.get(name);
    if (!service) throw new Error(`no replica ${name}`);
    return service;
  }

  /** The ingress replicas that are up, as base URLs for the balancer. */
  ingressTargets(): string[] {
    return (["ingress-a", "ingress-b"] as const)
      .filter((name) => this.replica(name).running)
      .map((name) => `http://127.0.0.1:${this.replica(name).spec.env.PORT}`);
  }

  async killReplica(name: ReplicaName): Promise<void> {
    await this.replica(name).kill();
    if (name.startsWith("ingress")) this.load.setTargets(this.ingressTargets());
  }

  async restartReplica(name: ReplicaName): Promise<void> {
    const service = this.replica(name);
    service.start();
    await service.ready();
    if (name.startsWith("ingress")) this.load.setTargets(this.ingressTargets());
  }

  /** Partition leaders per node for the event topic (the broker whose death hurts most leads most). */
  async leaderCounts(): Promise<Map<ClusterNode, number>> {
    const kafka = new Kafka({
      clientId: "chaos-admin",
      brokers: this.brokers.split(","),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [Topics.eventLogs] });
      const counts = new Map<ClusterNode, number>(clusterNodes.map((node) => [node, 0]));
      for (const partition of topics[0]?.partitions ?? []) {
        const node = partition.leader as ClusterNode;
        counts.set(node, (counts.get(node) ?? 0) + 1);
      }
      return counts;
    } finally {
      await admin.disconnect();
    }
  }

  /** `bridge_poll_leader` of an ingress replica: 1 while it polls. */
  async pollLeader(name: "ingress-a" | "ingress-b"): Promise<boolean> {
    try {
      const text = await (
        await fetch(`http://127.0.0.1:${this.replica(name).spec.adminPort}/metrics`)
      ).text();
      return /^bridge_poll_leader\{[^}]*\} 1$/m.test(text);
    } catch {
      return false;
    }
  }

  /** Retries a database query through a restart of PostgreSQL (bounded). */
  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<T>> {
    let last: unknown;
    for (let attempt = 0; attempt < 60; attempt++) {
      try {
        return await this.pool.query<T>(sql, params);
      } catch (error) {
        last = error;
        await sleep(1000);
      }
    }
    throw last;
  }

  /**
   * Runs a server-wide setting change and reloads the configuration, from a session that is never
   * read-only itself (so it can also undo `default_transaction_read_only`).
   */
  async superuserSql(sql: string): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      options: "-c default_transaction_read_only=off",
    });
    await client.connect();
    try {
      await client.query(sql);
      await client.query("SELECT pg_reload_conf()");
    } finally {
      await client.end();
    }
  }

  async close(log: (line: string) => void): Promise<void> {
    await this.load.close().catch(() => undefined);
    for (const service of this.services.values()) {
      await service.stop(10_000).catch(() => undefined);
      service.close();
    }
    await this.db?.end().catch(() => undefined);
    log("stopping the Kafka cluster and PostgreSQL");
    for (const node of clusterNodes) await this.cluster.resume(node).catch(() => undefined);
    await this.cluster.stop().catch((error: unknown) => log(`cluster stop: ${String(error)}`));
    await this.postgres.stop().catch(() => undefined);
    this.reaper.killAllSync();
    this.postgres.remove();
  }

  private specs(): ServiceSpec[] {
    const common = {
      KAFKA_BROKERS: this.brokers,
      LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? "warn",
      HOST: "127.0.0.1",
      TOPIC_REPLICATION_FACTOR: "3",
      SHUTDOWN_GRACE_MS: "10000",
    };
    const consumer = {
      ...common,
      DATABASE_URL: this.databaseUrl,
      // The suite reads the sinks' tables, never their APIs.
      AUTH_DISABLED: "true",
      // A killed member's partitions move after 10 s instead of 30 s: more rebalances per minute.
      CONSUMER_SESSION_TIMEOUT_MS: "10000",
    };
    let port = this.ports.http;
    const next = () => {
      const ports = { PORT: String(port), ADMIN_PORT: String(port + 1) };
      port += 2;
      return ports;
    };
    const ingress = (name: string): ServiceSpec => {
      const ports = next();
      return {
        name,
        service: "ingress",
        adminPort: Number(ports.ADMIN_PORT),
        env: {
          ...common,
          ...ports,
          WEBHOOK_BASIC_AUTH: `${WEBHOOK_USER}:${WEBHOOK_PASSWORD}`,
          POLLER_ENABLED: "true",
          PARAKEY_API_URL: this.load.url,
          PARAKEY_API_TOKENS: `${INTEGRATION}=${SIM_TOKEN}`,
          // Parakey's floor; the settle phase waits for the next poll after a fault.
          POLL_INTERVAL_MS: "60000",
          POLL_JITTER_MS: "0",
          POLL_SESSION_TIMEOUT_MS: "10000",
          POLL_START_DATE: new Date(Date.now() - 60_000).toISOString(),
        },
      };
    };
    const consumerSpec = (name: string, service: string): ServiceSpec => {
      const ports = next();
      return { name, service, adminPort: Number(ports.ADMIN_PORT), env: { ...consumer, ...ports } };
    };
    return [
      ingress("ingress-a"),
      ingress("ingress-b"),
      consumerSpec("audit-a", "audit"),
      consumerSpec("audit-b", "audit"),
      consumerSpec("billing", "billing"),
      consumerSpec("checkin", "checkin"),
    ];
  }
}
