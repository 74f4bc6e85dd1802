import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKafka, type Kafka } from "@parakey-bridge/kafka";
import { systemClock } from "@parakey-bridge/service-kit";
import { testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { loadIngressConfig } from "../config.js";
import { createIngressService } from "../service.js";
import { authHeaders, SECRET } from "./fixtures.js";

const silent = pino({ level: "silent" });
const serviceDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The environment of an ingress deployment under test: the shared broker, topics of its own named
 * after `prefix`, the test's webhook secret, ephemeral ports. `extra` adds or overrides.
 */
export function ingressTestEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: testKafkaBrokers().join(","),
    KAFKA_CLIENT_ID: prefix,
    HOST: "127.0.0.1",
    PORT: "0",
    ADMIN_PORT: "0",
    WEBHOOK_SECRET_HEADER: "x-parakey-secret",
    WEBHOOK_SECRETS: SECRET,
    TOPIC_EVENT_LOGS: `${prefix}.events`,
    TOPIC_REJECTED: `${prefix}.rejected`,
    TOPIC_POLLER_STATE: `${prefix}.poller-state`,
    TOPIC_PARTITIONS: "3",
    ...extra,
  };
}

/**
 * A whole ingress replica (the same composition as main.ts) on ephemeral ports against a real
 * broker, with its own topics. For integration tests.
 */
export async function startTestIngress(brokers: string[], env: Record<string, string> = {}) {
  const config = loadIngressConfig(
    ingressTestEnv(uniqueName("ingress"), { KAFKA_BROKERS: brokers.join(","), ...env }),
  );
  const registry = new Registry();
  const service = createIngressService(config, { log: silent, registry, clock: systemClock });
  await service.lifecycle.start();
  const base = `http://127.0.0.1:${service.webhook.port}`;
  const admin = `http://127.0.0.1:${service.admin.port}`;
  const kafka = createKafka(config.kafka, silent);
  const topics = config.webhook.topics;
  return {
    service,
    config,
    registry,
    kafka,
    topics,
    admin,
    url: `${base}${config.webhook.path}`,
    post: (body: string | Uint8Array, headers: Record<string, string> = authHeaders) =>
      fetch(`${base}${config.webhook.path}`, { method: "POST", body, headers }),
    stop: () => service.lifecycle.stop("test done"),
  };
}

/** Records on a topic so far: the sum of its partitions' high watermarks. */
export async function recordCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The built ingress running as its own process. */
export interface IngressProcess {
  child: ChildProcess;
  /** What it wrote to stdout and stderr so far, for a failure message. */
  output: string[];
  /** Resolves once it logged "ingress listening"; rejects with its output when it exits before. */
  listening: Promise<void>;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/**
 * The ingress as production runs it (`node --import ./dist/telemetry.js dist/main.js`, built first
 * when dist/ is missing), with only `env` and PATH. The caller owns the child: it kills it when the
 * test ends, also when `listening` never resolves.
 *
 * @example
 * const ingress = startIngressProcess(ingressTestEnv(prefix, { PORT: String(port) }));
 * await ingress.listening;
 * ingress.child.kill("SIGTERM");
 */
export function startIngressProcess(env: Record<string, string>): IngressProcess {
  if (!existsSync(join(serviceDir, "dist", "main.js"))) {
    execFileSync(
      process.execPath,
      [join(serviceDir, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
      { cwd: serviceDir },
    );
  }
  const child = spawn(process.execPath, ["--import", "./dist/telemetry.js", "dist/main.js"], {
    cwd: serviceDir,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output.push(chunk.toString());
      if (chunk.toString().includes("ingress listening")) resolve();
    });
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then((code) => reject(new Error(`ingress exited with ${code}:\n${output.join("")}`)));
  });
  return { child, output, listening, exited };
}
