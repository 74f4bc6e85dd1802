import type { Logger } from "@parakey-bridge/telemetry";
import type { Admin, Kafka } from "kafkajs";
import { Gauge, type Registry } from "prom-client";

interface LagSource {
  refresh(gauge: Gauge<"group" | "topic" | "partition">): Promise<void>;
}

const sourcesByRegistry = new WeakMap<Registry, Set<LagSource>>();

/**
 * `bridge_consumer_lag{group,topic,partition}` as the broker sees it: a partition's high watermark
 * minus the group's committed offset (the whole retained partition when nothing is committed).
 * Read on scrape, at most every `minIntervalMs`, so it also reports a consumer that is stuck or
 * paused — it does not depend on the consumer loop running. Uses its own admin connection.
 */
export class ConsumerLag implements LagSource {
  private admin: Admin | undefined;
  private lastRefresh = 0;
  private readonly sources: Set<LagSource>;

  constructor(
    private readonly kafka: Kafka,
    private readonly group: string,
    private readonly topics: () => readonly string[],
    registry: Registry,
    private readonly log: Logger,
    private readonly minIntervalMs = 5_000,
  ) {
    let sources = sourcesByRegistry.get(registry);
    if (!sources) {
      const all = new Set<LagSource>();
      sources = all;
      sourcesByRegistry.set(registry, all);
      new Gauge({
        name: "bridge_consumer_lag",
        help: "Records not yet committed by the group: high watermark minus committed offset, per partition.",
        labelNames: ["group", "topic", "partition"],
        registers: [registry],
        async collect() {
          await Promise.all([...all].map((source) => source.refresh(this)));
        },
      });
    }
    this.sources = sources;
    this.sources.add(this);
  }

  async refresh(gauge: Gauge<"group" | "topic" | "partition">): Promise<void> {
    if (Date.now() - this.lastRefresh < this.minIntervalMs) return;
    try {
      this.admin ??= this.kafka.admin();
      await this.admin.connect();
      const topics = [...this.topics()];
      const committed = await this.admin.fetchOffsets({ groupId: this.group, topics });
      for (const topic of topics) {
        const ends = await this.admin.fetchTopicOffsets(topic);
        const mine = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
        for (const end of ends) {
          const commit = Number(mine.find((p) => p.partition === end.partition)?.offset ?? "-1");
          const start = commit >= 0 ? commit : Number(end.low);
          gauge.set(
            { group: this.group, topic, partition: String(end.partition) },
            Math.max(0, Number(end.high) - start),
          );
        }
      }
      this.lastRefresh = Date.now();
    } catch (error) {
      this.log.debug({ err: error, group: this.group }, "could not read consumer lag");
    }
  }

  async close(): Promise<void> {
    this.sources.delete(this);
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect();
  }
}
