import { runKafkaLauncher } from "./paths.js";

/**
 * A real single-node Kafka broker started by the project's launcher (deploy/kafka-local). Tests that
 * stop and restart a broker (outage tests) start a private one on their own port so they never
 * disturb the shared broker other tests use. `env` goes to the launcher, e.g. `KAFKA_SSL_PORT`,
 * `KAFKA_MTLS_PORT` and `KAFKA_SSL_PEM_DIR` for extra TLS listeners (see createTestPki).
 *
 * @example
 * const kafka = new LocalKafka(19192);
 * await kafka.start(); await kafka.stop(); await kafka.start(); // same data, like a broker restart
 */
export class LocalKafka {
  constructor(
    readonly port: number,
    private readonly env: Record<string, string> = {},
  ) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(options: { fresh?: boolean } = {}): Promise<string> {
    await this.launcher("start", 180_000, { KAFKA_LOCAL_FRESH: options.fresh ? "1" : "0" });
    return this.brokers;
  }

  async stop(): Promise<void> {
    await this.launcher("stop", 90_000);
  }

  async isRunning(): Promise<boolean> {
    try {
      await this.launcher("status");
      return true;
    } catch {
      return false;
    }
  }

  private launcher(command: string, timeoutMs?: number, env: Record<string, string> = {}): Promise<string> {
    return runKafkaLauncher([command], { ...this.env, KAFKA_PORT: String(this.port), ...env }, timeoutMs);
  }
}
