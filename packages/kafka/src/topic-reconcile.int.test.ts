import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { BridgeError } from "@parakey-bridge/service-kit";
import { testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { brokerSuite } from "./test-support.js";
import { bridgeTopicSpecs, reconcileTopics, type TopicSpec } from "./topic-admin.js";

const log = pino({ level: "silent" });
const packageRoot = join(import.meta.dirname, "..");

describe("reconcileTopics (the topic Job)", () => {
  const { kafka, admin, created } = brokerSuite("reconcile", log);

  async function topic(partitions: number, config: Record<string, string>): Promise<string> {
    const name = uniqueName("reconcile");
    created.push(name);
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: name,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: Object.entries(config).map(([key, value]) => ({ name: key, value })),
        },
      ],
    });
    return name;
  }

  /** Partition count and the configs set on the topic itself, as the broker has them. */
  async function shapeOf(name: string): Promise<{ partitions: number; config: Record<string, string> }> {
    const metadata = await admin.fetchTopicMetadata({ topics: [name] });
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name }] });
    const entries = described.resources[0]?.configEntries ?? [];
    return {
      partitions: metadata.topics[0]?.partitions.length ?? 0,
      config: Object.fromEntries(
        entries.filter((e) => e.configSource === 1).map((e) => [e.configName, e.configValue]),
      ),
    };
  }

  const spec = (name: string, partitions: number, config: Record<string, string>): TopicSpec => ({
    topic: name,
    partitions,
    replicationFactor: 1,
    config,
  });

  it("applies a changed retention and keeps a setting an operator gave the topic", async () => {
    const name = await topic(1, { "retention.ms": "3600000", "segment.ms": "7200000" });
    const result = await reconcileTopics(kafka, [spec(name, 1, { "retention.ms": "86400000" })], log);
    expect(result.configured).toEqual([
      { topic: name, name: "retention.ms", from: "3600000", to: "86400000" },
    ]);
    expect((await shapeOf(name)).config).toMatchObject({
      "retention.ms": "86400000",
      "segment.ms": "7200000",
    });
  });

  it("grows the partitions to the spec and reports it", async () => {
    const name = await topic(1, {});
    const result = await reconcileTopics(kafka, [spec(name, 3, {})], log);
    expect(result.grown).toEqual([{ topic: name, from: 1, to: 3 }]);
    expect((await shapeOf(name)).partitions).toBe(3);
  });

  it("creates what is missing, then finds nothing to change on a second run", async () => {
    const name = uniqueName("reconcile");
    created.push(name);
    const wanted = [spec(name, 2, { "retention.ms": "86400000" })];
    expect((await reconcileTopics(kafka, wanted, log)).created).toEqual([name]);
    expect(await reconcileTopics(kafka, wanted, log)).toEqual({ created: [], grown: [], configured: [] });
  });

  it("refuses fewer partitions and another replication factor, and changes nothing else meanwhile", async () => {
    const name = await topic(2, { "retention.ms": "3600000" });
    const missing = uniqueName("reconcile");
    created.push(missing);
    const refused = reconcileTopics(
      kafka,
      [
        { topic: name, partitions: 1, replicationFactor: 2, config: { "retention.ms": "86400000" } },
        spec(missing, 1, {}),
      ],
      log,
    );
    await expect(refused).rejects.toBeInstanceOf(BridgeError);
    await expect(refused).rejects.toThrow(/2 partitions, the spec 1.*replication factor 1, the spec 2/s);
    expect(await shapeOf(name)).toEqual({ partitions: 2, config: { "retention.ms": "3600000" } });
    expect(await admin.listTopics()).not.toContain(missing);
  });

  it("makes `topics ensure` exit 1 on a refused change, so the Helm hook fails the upgrade", async () => {
    const prefix = `${uniqueName("reconcile-cli")}.`;
    const env = {
      PATH: process.env.PATH,
      KAFKA_BROKERS: testKafkaBrokers().join(","),
      KAFKA_GROUP_IDS: "",
      TOPIC_NAME_PREFIX: prefix,
      TOPIC_PARTITIONS: "2",
      TOPIC_REPLICATION_FACTOR: "1",
      LOG_LEVEL: "error",
    };
    const cli = (extra: Record<string, string>) =>
      promisify(execFile)(process.execPath, ["dist/cli/topics.js", "ensure"], {
        cwd: packageRoot,
        env: { ...env, ...extra },
        timeout: 60_000,
      });
    await cli({});
    created.push(...(await admin.listTopics()).filter((t) => t.startsWith(prefix)));
    // Every topic of the bridge, behind the prefix (no consumer group topics: KAFKA_GROUP_IDS is empty).
    const bridgeTopics = bridgeTopicSpecs({ partitions: 2, replicationFactor: 1, retentionMs: 1 });
    expect(created.filter((t) => t.startsWith(prefix))).toHaveLength(bridgeTopics.length);
    await expect(cli({ TOPIC_PARTITIONS: "1" })).rejects.toMatchObject({ code: 1 });
  });
});
