import { createTopic, deleteTopics, testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "./client.js";
import { groupLag } from "./group-lag.js";
import { readTopicSince } from "./time-range-reader.js";

const log = pino({ level: "silent" });
const kafka = createKafka(
  { brokers: testKafkaBrokers(), clientId: uniqueName("range-int"), ssl: false },
  log,
);
let topic: string;
const DAY = 86_400_000;
const now = Date.now();

beforeAll(async () => {
  topic = await createTopic(kafka, "range-reader", 3);
  // Records stamped over five days: the reader must start at the asked instant, not at the beginning.
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: 50 }, (_, i) => ({
      key: `k${i % 7}`,
      value: `v${i}`,
      headers: { ce_id: `el_${i}` },
      timestamp: String(now - 5 * DAY + i * (DAY / 10)),
    })),
  });
  await producer.disconnect();
});

afterAll(async () => {
  await deleteTopics(kafka, [topic]);
});

describe("readTopicSince", () => {
  it("reads only the records at or after an instant, from every partition, seeking by timestamp", async () => {
    const since = new Date(now - 2 * DAY);
    const progress: number[] = [];
    const records = await readTopicSince(kafka, topic, since, {
      log,
      onProgress: (read) => progress.push(read),
    });
    const expected = Array.from({ length: 50 }, (_, i) => i).filter(
      (i) => now - 5 * DAY + i * (DAY / 10) >= since.getTime(),
    );
    expect(records.map((r) => r.headers.ce_id).sort()).toEqual(expected.map((i) => `el_${i}`).sort());
    expect(records.every((r) => r.timestamp >= since.getTime())).toBe(true);
    // Only the records from the instant on were fetched (progress counts what was read, kept or not).
    expect(Math.max(...progress)).toBe(expected.length);
  });

  it("reads nothing when every record is older than the instant", async () => {
    expect(await readTopicSince(kafka, topic, new Date(now + DAY), { log })).toEqual([]);
  });
});

describe("groupLag", () => {
  it("counts the whole topic for a group that committed nothing", async () => {
    expect(await groupLag(kafka, uniqueName("never-joined"), topic)).toBe(50);
  });
});
