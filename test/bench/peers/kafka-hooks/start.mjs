// Starts @platformatic/kafka-hooks as its own documentation configures it (platformatic.json's
// `kafka` section), for bench:peers. Copied next to its node_modules by the benchmark.
//
// kafka-hooks always consumes the topics it publishes to and forwards each record to `url`; the
// benchmark points `url` at a server that never answers, so that half stays parked (one request in
// flight, the stream paused by back-pressure) and the figures measure only its publish path, as they
// do for our ingress. Its producer offers no acks or idempotence setting: @platformatic/kafka's
// default, acks=1 (leader only), is the strongest acknowledgement it gives.
import { create } from "@platformatic/kafka-hooks";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const app = await create(process.cwd(), {
  server: { hostname: "127.0.0.1", port: Number(env("PEER_PORT")), logger: { level: "warn" } },
  kafka: {
    brokers: env("KAFKA_BROKERS").split(","),
    topics: [{ topic: env("PEER_TOPIC"), url: env("PEER_PARKED_URL"), dlq: false }],
    consumer: { groupId: `${env("PEER_TOPIC")}.parked` },
    concurrency: 1,
  },
});
await app.start({ listen: true });
process.stdout.write("kafka-hooks listening\n");
const stop = async () => {
  await app.stop();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
