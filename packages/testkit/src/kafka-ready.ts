import { Kafka, logLevel } from "kafkajs";
import { uniqueName } from "./isolation.js";

/**
 * Waits until the broker can create a topic and elect its leaders. A KRaft broker that restarts
 * over a data directory holding many topics answers "does not host this topic-partition" to
 * createTopics for a few seconds after it reports itself started; a test that creates its topics
 * first thing would fail on that, so the harness probes before handing the broker out.
 */
export async function untilTopicsCanBeCreated(brokers: string, timeoutMs = 60_000): Promise<void> {
  const admin = new Kafka({ brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topic = uniqueName("harness-ready");
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`Kafka at ${brokers} cannot create topics: ${error}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}
