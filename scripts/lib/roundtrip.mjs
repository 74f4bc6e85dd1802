// Proves the local stack works end to end before the services start: a keyed record with headers
// goes through the real broker and back, and the real PostgreSQL answers a query.
import kafkajs from "kafkajs";
import pg from "pg";

const { Kafka, logLevel, Partitioners } = kafkajs;
const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const topic = "parakey-bridge.smoke";
const kafka = new Kafka({ clientId: "stack-roundtrip", brokers, logLevel: logLevel.NOTHING });

const admin = kafka.admin();
await admin.connect();
if (!(await admin.listTopics()).includes(topic)) {
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
  });
}
const end = await admin.fetchTopicOffsets(topic);
await admin.disconnect();

const nonce = `roundtrip-${Date.now()}`;
const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const started = performance.now();
await producer.send({
  topic,
  acks: -1,
  messages: [{ key: "smoke", value: nonce, headers: { ce_id: nonce } }],
});
await producer.disconnect();

const consumer = kafka.consumer({ groupId: nonce });
await consumer.connect();
await consumer.subscribe({ topic });
const received = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("round trip timed out")), 30_000);
  void consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value?.toString() === nonce && message.headers?.ce_id?.toString() === nonce) {
        clearTimeout(timer);
        resolve(undefined);
      }
    },
  });
});
consumer.on(consumer.events.GROUP_JOIN, () => {
  for (const { partition, offset } of end) consumer.seek({ topic, partition, offset });
});
await received;
await consumer.disconnect();
console.log(
  `kafka: round trip through ${brokers.join(",")} in ${Math.round(performance.now() - started)} ms`,
);

if (process.env.DATABASE_URL) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const { rows } = await client.query("SELECT version() AS version");
  await client.end();
  console.log(`postgres: ${rows[0].version.split(" on ")[0]}`);
}
