import type { Component, HealthCheck } from "@parakey-bridge/service-kit";
import type { Logger } from "@parakey-bridge/telemetry";
import type { Admin, Kafka } from "kafkajs";

/**
 * Tells readiness whether the cluster answers, by asking it for its metadata every few seconds.
 * Independent of traffic: a replica with no webhooks still turns ready again when the broker returns.
 *
 * @example
 * const probe = new KafkaReadinessProbe(kafka, log);
 * lifecycle.add(probe); checks.push(probe.check);
 */
export class KafkaReadinessProbe implements Component {
  readonly name = "kafka-readiness-probe";
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reachable = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly log: Logger,
    private readonly intervalMs = 3_000,
  ) {}

  /** The readiness check to register with the admin server. */
  readonly check: HealthCheck = { name: "kafka", ready: () => this.reachable };

  async start(): Promise<void> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
  }

  private async probe(): Promise<void> {
    try {
      this.admin ??= this.kafka.admin();
      await this.admin.connect();
      await this.admin.describeCluster();
      if (!this.reachable) this.log.info("Kafka reachable");
      this.reachable = true;
    } catch (error) {
      if (this.reachable) this.log.warn({ err: error }, "Kafka unreachable");
      this.reachable = false;
      const admin = this.admin;
      this.admin = undefined;
      await admin?.disconnect().catch((disconnectError: unknown) => {
        this.log.debug({ err: disconnectError }, "admin disconnect after failed probe");
      });
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.admin?.disconnect();
  }
}
