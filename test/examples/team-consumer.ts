// A team's first consumer of a parakey-bridge topic, as runnable code (README: "Onboarding a team").
//
//   KAFKA_BROKERS=127.0.0.1:9092 pnpm exec tsx test/examples/team-consumer.ts \
//     --topic parakey.door-events.anonymous.v1 --group facilities-occupancy [--max 10]
//
// Three things matter and are all here: read with isolation read_committed (the door-event topics are
// written in transactions; kafkajs's default, readUncommitted: false), validate each value against
// the published contract, and commit offsets only after the record was handled. It ignores fields it
// does not know: the contract grows by adding optional fields (packages/contracts/README.md).
import { parseArgs } from "node:util";
import { decodeAnonymousDoorEvent, decodeDoorEvent } from "@parakey-bridge/contracts";
import { Kafka, logLevel } from "kafkajs";

const { values } = parseArgs({
  options: {
    topic: { type: "string", default: "parakey.door-events.anonymous.v1" },
    group: { type: "string", default: "example-team" },
    max: { type: "string" },
  },
});
const anonymous = values.topic.includes("anonymous");
const max = values.max === undefined ? Number.POSITIVE_INFINITY : Number(values.max);

const kafka = new Kafka({
  clientId: values.group,
  brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
  logLevel: logLevel.WARN,
});
const consumer = kafka.consumer({ groupId: values.group, readUncommitted: false });
let handled = 0;
const done = new Promise<void>((resolve) => {
  void consumer.connect().then(async () => {
    await consumer.subscribe({ topic: values.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = anonymous ? decodeAnonymousDoorEvent(message.value) : decodeDoorEvent(message.value);
        if (!decoded.ok) {
          process.stderr.write(`skipping a record that is not the contract: ${decoded.reason}\n`);
        } else {
          const { eventLogId, deviceId, occurredAt, success } = decoded.value;
          process.stdout.write(
            `${occurredAt} ${deviceId} ${success === false ? "denied" : "unlocked"} (${eventLogId})\n`,
          );
        }
        handled += 1;
        if (handled >= max) resolve();
      },
    });
  });
});
process.once("SIGINT", () => void consumer.disconnect().then(() => process.exit(0)));
await done;
await consumer.disconnect();
