import { createHmac } from "node:crypto";
import { decodeAnonymousDoorEvent, doorEventRecord } from "@parakey-bridge/contracts";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { caughtUp, createTopic, testKafka, waitUntil } from "@parakey-bridge/testkit";
import { afterEach, describe, expect, it } from "vitest";
import {
  doorEvent,
  killLeftoverServices,
  readToEnd,
  startService,
  streamEnv,
  TEST_PSEUDONYM_KEY,
} from "./test-support.js";

afterEach(killLeftoverServices);

// What a person's event log may carry, in the fields we know and in fields Parakey might add.
const personalValues = ["Ada Lovelace", "ada@example.com", "+46701234567", "Analytical Street 1", "usr_"];
const personalFields = (index: number) => ({
  user: {
    id: `usr_${index % 11}`,
    name: "Ada Lovelace",
    email: "ada@example.com",
    phone: "+46701234567",
  },
  guest: { fullName: "Ada Lovelace", emailAddress: "ada@example.com", mobile: "+46701234567" },
  userEmail: "ada@example.com",
  phoneNumber: "+46701234567",
  address: "Analytical Street 1",
});

describe("the anonymous door-event stream", () => {
  it("carries no personal member, known or unknown, and gives a person the same pseudonym across restarts", async () => {
    const kafka = testKafka();
    const input = await createTopic(kafka, "anon-input", 3);
    const env = streamEnv("anon", input);
    const group = env.KAFKA_GROUP_ID;
    const events = Array.from({ length: 600 }, (_, i) =>
      doorEvent(`el_anon_${i}`, i, { extra: personalFields(i) }),
    );
    const userOf = new Map(events.map((e) => [e.eventLogId, e.userId]));

    for (const half of [events.slice(0, 300), events.slice(300)]) {
      await produceAll(
        kafka,
        half.map((e) => doorEventRecord(e, input)),
      );
      const service = startService(env);
      await waitUntil("the stream consumed the input", () => caughtUp(kafka, group, [input]), 120_000);
      service.child.kill("SIGTERM");
      expect(await service.exited).toBe(0);
    }

    const records = await readToEnd(kafka, env.TOPIC_DOOR_EVENTS_ANONYMOUS);
    expect(records).toHaveLength(events.length);
    const pseudonymsOf = new Map<string, Set<string | null>>();
    for (const record of records) {
      const text = `${record.value?.toString("utf8")} ${JSON.stringify(record.headers)} ${record.key}`;
      for (const value of personalValues) expect(text).not.toContain(value);
      const decoded = decodeAnonymousDoorEvent(record.value);
      if (!decoded.ok) throw new Error(decoded.reason);
      const userId = userOf.get(decoded.value.eventLogId);
      if (!userId) throw new Error(`unexpected id ${decoded.value.eventLogId}`);
      const seen = pseudonymsOf.get(userId) ?? new Set();
      seen.add(decoded.value.userPseudonym);
      pseudonymsOf.set(userId, seen);
    }
    expect(pseudonymsOf.size).toBe(11);
    for (const [userId, pseudonyms] of pseudonymsOf) {
      // One pseudonym per person over both runs: HMAC-SHA256 under the key from the environment.
      expect([...pseudonyms]).toEqual([
        createHmac("sha256", TEST_PSEUDONYM_KEY).update(userId).digest("base64url"),
      ]);
    }
    const distinct = new Set([...pseudonymsOf.values()].flatMap((set) => [...set]));
    expect(distinct.size).toBe(11);
  });
});
