import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

// kafkajs's own send loop (patches/kafkajs@2.2.4.patch), driven with a scripted cluster: no broker
// is needed to show which partitions it sends where when a leader fails mid-send.
const require = createRequire(import.meta.url);
const sendMessagesOf = require("kafkajs/src/producer/sendMessages") as (deps: unknown) => SendMessages;
const createRetry = require("kafkajs/src/retry") as (options: unknown) => unknown;
const createDefaultPartitioner = require("kafkajs/src/producer/partitioners/default") as () => unknown;

type SendMessages = (request: {
  acks: number;
  timeout: number;
  topicMessages: { topic: string; messages: { key: string; value: string }[] }[];
}) => Promise<{ topicName: string; partition: number }[]>;

interface ProduceCall {
  nodeId: number;
  partitions: number[];
}

/**
 * Two brokers; partition 0 led by broker 1 and partition 1 by broker 2. Broker 2's first produce
 * fails with NOT_LEADER and the metadata refresh then names broker 1 the leader of both, as after
 * broker 2 hung and its partitions moved (test/chaos scenario 8).
 */
function scriptedCluster() {
  const calls: ProduceCall[] = [];
  let leaderOfPartition1 = 2;
  let broker2Failed = false;
  const broker = (nodeId: number) => ({
    nodeId,
    produce: async ({
      topicData,
    }: {
      topicData: { topic: string; partitions: { partition: number }[] }[];
    }) => {
      const partitions = topicData.flatMap((t) => t.partitions.map((p) => Number(p.partition)));
      calls.push({ nodeId, partitions });
      if (nodeId === 2 && !broker2Failed) {
        broker2Failed = true;
        // What the hung broker answers once it runs again and learns it lost the lead.
        const error = new Error("This server is not the leader for that topic-partition") as Error & {
          retriable: boolean;
          type: string;
        };
        error.name = "KafkaJSProtocolError";
        error.type = "NOT_LEADER_FOR_PARTITION";
        error.retriable = true;
        throw error;
      }
      return {
        topics: topicData.map((t) => ({
          topicName: t.topic,
          partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: "0" })),
        })),
      };
    },
  });
  const brokers = new Map([
    [1, broker(1)],
    [2, broker(2)],
  ]);
  const partitionMetadata = () => [
    { partitionId: 0, leader: 1 },
    { partitionId: 1, leader: leaderOfPartition1 },
  ];
  const cluster = {
    targetTopics: new Set<string>(),
    addMultipleTargetTopics: async () => {},
    refreshMetadataIfNecessary: async () => {},
    refreshMetadata: async () => {
      leaderOfPartition1 = 1;
    },
    isConnected: () => true,
    findTopicPartitionMetadata: () => partitionMetadata(),
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const byLeader: Record<string, number[]> = {};
      for (const p of partitions) {
        const leader = partitionMetadata().find((m) => m.partitionId === Number(p))?.leader ?? 0;
        byLeader[leader] = [...(byLeader[leader] ?? []), Number(p)];
      }
      return byLeader;
    },
    findBroker: async ({ nodeId }: { nodeId: string | number }) => brokers.get(Number(nodeId)),
  };
  const sequences = new Map<string, number>();
  const eosManager = {
    isTransactional: () => false,
    getSequence: (topic: string, partition: number) => sequences.get(`${topic}/${partition}`) ?? 0,
    updateSequence: (topic: string, partition: number, by: number) =>
      sequences.set(`${topic}/${partition}`, (sequences.get(`${topic}/${partition}`) ?? 0) + by),
    acquireBrokerLock: async () => {},
    releaseBrokerLock: async () => {},
    getProducerId: () => 7,
    getProducerEpoch: () => 0,
  };
  return { calls, cluster, eosManager };
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe("kafkajs send retry after a leader change (patched)", () => {
  it("sends a failed partition again even when its new leader already answered for another partition", async () => {
    const { calls, cluster, eosManager } = scriptedCluster();
    const sendMessages = sendMessagesOf({
      logger: silent,
      cluster,
      partitioner: createDefaultPartitioner(),
      eosManager,
      retrier: createRetry({ retries: 1, initialRetryTime: 1, maxRetryTime: 2 }),
    });
    // Keys chosen by the Java-compatible murmur2 partitioner: one lands on each of the 2 partitions.
    const keys = Array.from({ length: 40 }, (_, i) => `lock-${i}`);
    const responses = await sendMessages({
      acks: -1,
      timeout: 1000,
      topicMessages: [{ topic: "t", messages: keys.map((key) => ({ key, value: key })) }],
    });

    // Broker 1 is asked again, now for partition 1 (the unpatched loop skipped it: broker 1 had
    // already answered, so partition 1 was never written, yet the send resolved).
    expect(calls).toContainEqual({ nodeId: 1, partitions: [1] });
    expect(responses.map((r) => r.partition).sort()).toEqual([0, 1]);
  });
});
