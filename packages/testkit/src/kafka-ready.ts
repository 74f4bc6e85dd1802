import { Kafka, logLevel } from "kafkajs";
import { uniqueName } from "./isolation.js";

/**
 * Waits until the broker serves what the tests use first: creating a topic and electing its leaders,
 * the group coordinator (offset fetches and commits) and the transaction coordinator (transactional
 * producers). A broker that restarts over a data directory of earlier runs answers "does not host
 * this topic-partition" to createTopics for a few seconds after it reports itself started, and its
 * coordinators answer COORDINATOR_LOAD_IN_PROGRESS while they replay `__consumer_offsets` and
 * `__transaction_state` (on a developer's broker: 100 000 records, most of a second after the
 * topic probe passed). Tests that ran in that window failed at once, so the harness probes all three
 * before handing the broker out.
 */
export async function untilBrokerServes(brokers: string, timeoutMs = 60_000): Promise<void> {
  const kafka = new Kafka({ brokers: brokers.split(","), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName("harness-ready");
  const deadline = Date.now() + timeoutMs;
  const untilServed = async (what: string, probe: () => Promise<unknown>) => {
    for (;;) {
      try {
        await probe();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`Kafka at ${brokers}: ${what}: ${error}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  try {
    await untilServed("cannot create topics", () =>
      admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] }),
    );
    await untilServed("the group coordinator does not serve", () =>
      admin.fetchOffsets({ groupId: uniqueName("harness-ready"), topics: [topic] }),
    );
    await untilServed("the transaction coordinator does not serve", async () => {
      const producer = kafka.producer({
        transactionalId: uniqueName("harness-ready"),
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      try {
        const transaction = await producer.transaction();
        await transaction.send({ topic, messages: [{ value: "ready" }] });
        await transaction.abort();
      } finally {
        await producer.disconnect();
      }
    });
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}
