import type { Kafka } from "kafkajs";
import { uniqueName } from "./isolation.js";
import { waitUntil } from "./waiting.js";

// Topic and group facts as the broker sees them, for integration tests of any service.

/** A fresh topic named after `prefix` with `partitions` partitions; resolves with its name. */
export async function createTopic(kafka: Kafka, prefix: string, partitions = 3): Promise<string> {
  const topic = uniqueName(prefix);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/** Deletes those of `topics` that exist (a test's topics, a group's dead-letter and redrive topics). */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    await admin.deleteTopics({ topics: topics.filter((t) => existing.has(t)) });
  } finally {
    await admin.disconnect();
  }
}

/** How many records a topic holds (high minus low watermark, summed over partitions). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Whether the group committed everything on its topics (lag 0 as the broker sees it). */
export async function caughtUp(kafka: Kafka, group: string, topics: readonly string[]): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId: group, topics: [...topics] });
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const end of ends) {
        const offset = Number(mine.find((p) => p.partition === end.partition)?.offset ?? "-1");
        if (Number(end.high) > 0 && offset < Number(end.high)) return false;
      }
    }
    return true;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Deletes `topic` and creates it again with `partitions`, as an operator who recreates a topic
 * under running consumers does: its new records start at offset 0 again.
 */
export async function recreateTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  await deleteTopics(kafka, [topic]);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitUntil("the topic is gone", async () => !(await admin.listTopics()).includes(topic));
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    });
  } finally {
    await admin.disconnect();
  }
}
