import { uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ConsumerRunner } from "./consumer/runner.js";
import { brokerSuite } from "./test-support.js";
import { consumerGroupTopicSpecs, ensureTopics } from "./topic-admin.js";

const log = pino({ level: "silent" });

describe("consumer group topics", () => {
  const { kafka, admin, created } = brokerSuite("group-topics", log);

  /** Partitions and retention of each topic, as the broker has them. */
  async function shapeOf(
    topics: string[],
  ): Promise<Record<string, { partitions: number; retentionMs: string }>> {
    const metadata = await admin.fetchTopicMetadata({ topics });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: 2, name })),
    });
    return Object.fromEntries(
      topics.map((topic) => [
        topic,
        {
          partitions: metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0,
          retentionMs:
            configs.resources
              .find((r) => r.resourceName === topic)
              ?.configEntries.find((e) => e.configName === "retention.ms")?.configValue ?? "",
        },
      ]),
    );
  }

  it("are what the consumer runtime creates for its group at start, so the topic Job can create them instead", async () => {
    const source = uniqueName("group-topics-source");
    const byRunner = uniqueName("group-topics-runner");
    const byJob = uniqueName("group-topics-job");
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: source, numPartitions: 2 }] });
    created.push(source);

    const runner = new ConsumerRunner({
      kafka,
      group: byRunner,
      topics: [source],
      decode: (buffer) => ({ ok: true, value: buffer }),
      sink: { name: "nothing", write: async () => undefined, probe: async () => true },
      log,
      registry: new Registry(),
      onFatal: () => undefined,
    });
    await runner.start();
    await runner.stop();
    const runnerTopics = consumerGroupTopicSpecs(byRunner, { replicationFactor: 1 }).map((s) => s.topic);
    created.push(...runnerTopics);

    const jobSpecs = consumerGroupTopicSpecs(byJob, { replicationFactor: 1 });
    expect(await ensureTopics(kafka, jobSpecs, log)).toEqual(jobSpecs.map((s) => s.topic));
    created.push(...jobSpecs.map((s) => s.topic));

    const shapes = (topics: string[]) =>
      shapeOf(topics).then((byTopic) => Object.values(byTopic).map((shape) => shape));
    expect(await shapes(jobSpecs.map((s) => s.topic))).toEqual(await shapes(runnerTopics));
  });
});
