import { LocalKafka } from "@parakey-bridge/testkit/launchers";
import { Kafka, logLevel } from "kafkajs";

/** Where a benchmark's records go: the broker list, and the launcher's port when it is the project's own broker. */
export interface BenchBroker {
  brokers: string;
  /** The port of the project's launcher broker (its data directory is named after it); undefined for KAFKA_BROKERS. */
  localPort: number | undefined;
  /** A kafkajs client of that broker; it logs nothing below `level` (default: nothing at all). */
  client(clientId: string, level?: logLevel): Kafka;
}

/**
 * Runs `bench` against KAFKA_BROKERS when set, otherwise against the benchmarks' own broker on
 * PB_BENCH_KAFKA_PORT (default 19492), started by the project's launcher when none runs there and
 * stopped again afterwards. Not the tests' shared broker: a million records would slow the tests
 * running beside it, and their load would skew the figures.
 *
 * @example
 * await withBenchBroker(log, ({ brokers, client }) => drainBacklog(brokers, client("bench-consume")));
 */
export async function withBenchBroker<T>(
  log: (line: string) => void,
  bench: (broker: BenchBroker) => Promise<T>,
): Promise<T> {
  const broker = (brokers: string, localPort: number | undefined): BenchBroker => ({
    brokers,
    localPort,
    client: (clientId, level = logLevel.NOTHING) =>
      new Kafka({ clientId, brokers: brokers.split(","), logLevel: level }),
  });
  const external = process.env.KAFKA_BROKERS;
  if (external) return bench(broker(external, undefined));
  const local = new LocalKafka(Number(process.env.PB_BENCH_KAFKA_PORT ?? 19492));
  // A broker left running (another benchmark's, a developer's) is used and left alone.
  const own = !(await local.isRunning());
  if (own) log(`starting a broker on 127.0.0.1:${local.port} ...`);
  const brokers = await local.start({ fresh: own });
  try {
    return await bench(broker(brokers, local.port));
  } finally {
    if (own) await local.stop();
  }
}
