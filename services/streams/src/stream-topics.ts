import type { Kafka } from "@parakey-bridge/kafka";
import { BridgeError } from "@parakey-bridge/service-kit";

/**
 * Refuses to start when the state topic cannot hold the input's state: it must exist, be compacted
 * in operation, and have exactly as many partitions as the input (state partition p belongs to input
 * partition p). More input partitions than state partitions would leave some input without a
 * dedupe state; a changed count would move device keys, and with them ids, between partitions.
 *
 * @example
 * await checkStreamTopics(kafka, { eventLogs: "parakey.event-logs.v1", state: "parakey-bridge.door-events.seen" });
 */
export async function checkStreamTopics(
  kafka: Kafka,
  topics: { eventLogs: string; state: string },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of [topics.eventLogs, topics.state]) {
      if (!existing.has(topic)) {
        throw new BridgeError(
          "topic_missing",
          `topic ${topic} does not exist (create it, or set ENSURE_TOPICS=true)`,
        );
      }
    }
    const metadata = await admin.fetchTopicMetadata({ topics: [topics.eventLogs, topics.state] });
    const count = (topic: string) => metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
    if (count(topics.eventLogs) !== count(topics.state)) {
      throw new BridgeError(
        "state_topic_mismatch",
        `${topics.state} has ${count(topics.state)} partitions, ${topics.eventLogs} ${count(topics.eventLogs)}: they must be equal`,
      );
    }
  } finally {
    await admin.disconnect();
  }
}
