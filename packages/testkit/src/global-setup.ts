import type { TestProject } from "vitest/node";
import { dockerAvailable } from "./docker.js";
import { untilBrokerServes } from "./kafka-ready.js";
import { LocalKafka } from "./local-kafka.js";
import { ensureSharedPostgres } from "./local-postgres.js";

/**
 * Vitest global setup for integration and e2e tests: real Kafka and PostgreSQL, in this order of
 * preference: KAFKA_BROKERS / DATABASE_URL from the environment; testcontainers where a Docker
 * engine answers; otherwise the project's own launchers (a KRaft broker from Maven Central jars and
 * Debian's PostgreSQL). A broker this setup started is stopped at the end; one that was already
 * running (a developer's) is left alone.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const teardown: (() => Promise<void>)[] = [];
  const docker = await dockerAvailable();

  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers && docker) {
    const { KafkaContainer } = await import("@testcontainers/kafka");
    const container = await new KafkaContainer("confluentinc/cp-kafka:8.2.0").withKraft().start();
    brokers = `${container.getHost()}:${container.getMappedPort(9093)}`;
    teardown.push(async () => void (await container.stop()));
  }
  if (!brokers) {
    const kafka = new LocalKafka(Number(process.env.PB_TEST_KAFKA_PORT ?? 19092));
    const wasRunning = await kafka.isRunning();
    const started = performance.now();
    // A broker this setup starts begins empty: tests never read what an earlier run left (their
    // topics and groups have unique names), and replaying thousands of old partitions and
    // coordinator records made every start slower and its first seconds fail tests.
    brokers = await kafka.start({ fresh: !wasRunning });
    await untilBrokerServes(brokers);
    process.stderr.write(
      `[test-harness] Kafka ${wasRunning ? "already running" : "started"} at ${brokers} in ${Math.round(performance.now() - started)} ms\n`,
    );
    if (!wasRunning && process.env.PB_KEEP_KAFKA !== "1") teardown.push(() => kafka.stop());
  }

  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl && docker) {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer("postgres:17").start();
    databaseUrl = container.getConnectionUri();
    teardown.push(async () => void (await container.stop()));
  }
  databaseUrl ??= await ensureSharedPostgres();

  project.provide("kafkaBrokers", brokers);
  project.provide("databaseUrl", databaseUrl);
  return async () => {
    for (const step of teardown.reverse()) await step();
  };
}
