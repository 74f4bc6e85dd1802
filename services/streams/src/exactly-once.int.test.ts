import {
  type DoorEvent,
  decodeAnonymousDoorEvent,
  decodeDoorEvent,
  doorEventRecord,
} from "@parakey-bridge/contracts";
import { produceAll } from "@parakey-bridge/kafka/testing";
import { createTopic, testKafka, topicSize, waitUntil } from "@parakey-bridge/testkit";
import { afterEach, describe, expect, it } from "vitest";
import {
  countIds,
  doorEvent,
  killLeftoverServices,
  readToEnd,
  startService,
  stopWhenCaughtUp,
  streamEnv,
} from "./test-support.js";

afterEach(killLeftoverServices);

describe("streams killed mid-transaction", () => {
  it("writes every event log id exactly once to the read_committed output through 6 SIGKILLs, duplicates, a replay and a backfill of old history", async () => {
    const kafka = testKafka();
    const input = await createTopic(kafka, "eos-input", 3);
    const env = { ...streamEnv("eos", input), STREAM_MAX_CHUNK: "50", STREAM_PARTITIONS_CONCURRENTLY: "3" };
    const produce = (events: DoorEvent[]) =>
      produceAll(
        kafka,
        events.map((e) => doorEventRecord(e, input)),
      );

    // Live traffic: every event once, a third again right behind (poll overlap), a fifth much later.
    const live = Array.from({ length: 4_000 }, (_, i) => doorEvent(`el_live_${i}`, i));
    const withRetries = (events: DoorEvent[]) => [
      ...events.flatMap((e, i) => (i % 3 === 0 ? [e, { ...e, via: "poll" as const }] : [e])),
      ...events.filter((_, i) => i % 5 === 0),
    ];
    // A backfill of old history: 2024 events, a fifth of them ids the stream has already written.
    // After the rewind only these old ids are new output, and the fourth run may overshoot its 800
    // before the kill lands: 4 000 leave the fifth run its 800 on a slow machine too.
    const backfill = [
      ...Array.from({ length: 4_000 }, (_, i) => doorEvent(`el_old_${i}`, i, { year: 2024 })),
      ...live.filter((_, i) => i % 4 === 0),
    ];
    const later = Array.from({ length: 2_000 }, (_, i) => doorEvent(`el_later_${i}`, i + 7));
    const expected = new Set([...live, ...backfill, ...later].map((e) => e.eventLogId));

    const output = env.TOPIC_DOOR_EVENTS;
    const runUntilKilled = async (what: string, progress: number) => {
      const before = await topicSize(kafka, output).catch(() => 0);
      const service = startService(env);
      await waitUntil(
        `${what}: the output grew by ${progress}`,
        async () => (await topicSize(kafka, output).catch(() => 0)) >= before + progress,
        120_000,
      );
      service.child.kill("SIGKILL");
      await service.exited;
    };
    const groupEmpty = async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const { groups } = await admin.describeGroups([env.KAFKA_GROUP_ID]);
        return groups[0]?.state === "Empty";
      } finally {
        await admin.disconnect();
      }
    };

    await produce(withRetries(live.slice(0, 2_500)));
    await runUntilKilled("first run", 500);
    await produce(withRetries(live.slice(2_500)));
    await runUntilKilled("second run", 800);
    await runUntilKilled("third run", 800);

    // A replay: the group is rewound to the start of the input while stopped (the killed member
    // leaves the group when its session times out).
    await waitUntil("the killed member left the group", groupEmpty, 60_000);
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: env.KAFKA_GROUP_ID, topic: input, earliest: true });
    await admin.disconnect();
    await produce(withRetries(backfill));
    await runUntilKilled("fourth run, after the rewind", 800);
    await runUntilKilled("fifth run", 800);
    // A producer-side replay of everything live, and new events behind it.
    await produce([...live, ...withRetries(later)]);
    await runUntilKilled("sixth run", 600);

    await stopWhenCaughtUp(kafka, startService(env), env.KAFKA_GROUP_ID, input);

    const committed = await readToEnd(kafka, output);
    const ids = committed.map((r) => {
      const decoded = decodeDoorEvent(r.value);
      if (!decoded.ok) throw new Error(decoded.reason);
      expect(r.key).toBe(decoded.value.deviceId);
      expect(r.headers.ce_id).toBe(decoded.value.eventLogId);
      return decoded.value.eventLogId;
    });
    const counts = countIds(ids);
    expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
    expect([...expected].filter((id) => !counts.has(id))).toEqual([]);
    expect(ids.length).toBe(expected.size);

    const anonymous = await readToEnd(kafka, env.TOPIC_DOOR_EVENTS_ANONYMOUS);
    const anonymousIds = anonymous.map((r) => {
      const decoded = decodeAnonymousDoorEvent(r.value);
      if (!decoded.ok) throw new Error(decoded.reason);
      return decoded.value.eventLogId;
    });
    expect(anonymousIds.length).toBe(expected.size);
    expect(new Set(anonymousIds)).toEqual(expected);

    // The state topic names exactly the ids written, once each (only the first writer of an id records it).
    const state = await readToEnd(kafka, env.TOPIC_DOOR_EVENTS_STATE);
    expect(state.length).toBe(expected.size);
    expect(new Set(state.map((r) => r.key))).toEqual(expected);

    // The kills did land inside transactions: their records are in the log, aborted, and a
    // read_uncommitted reader sees them while a read_committed one does not.
    const uncommitted = await readToEnd(kafka, output, { readUncommitted: true });
    expect(uncommitted.length).toBeGreaterThan(committed.length);
  }, 600_000);

  it("writes every event log id exactly once while partitions move between live replicas that fence each other", async () => {
    const kafka = testKafka();
    const input = await createTopic(kafka, "eos-replicas-input", 6);
    const env = { ...streamEnv("eos-replicas", input), STREAM_MAX_CHUNK: "50" };
    // Enough backlog that each replica joins while the others are still working through it.
    const events = Array.from({ length: 12_000 }, (_, i) => doorEvent(`el_rep_${i}`, i));
    const produce = (batch: DoorEvent[]) =>
      produceAll(
        kafka,
        batch.map((e) => doorEventRecord(e, input)),
      );
    const grown = async (what: string, by: number) => {
      const before = await topicSize(kafka, env.TOPIC_DOOR_EVENTS).catch(() => 0);
      await waitUntil(
        what,
        async () => (await topicSize(kafka, env.TOPIC_DOOR_EVENTS).catch(() => 0)) >= before + by,
        120_000,
      );
    };

    await produce(events.slice(0, 8_000).flatMap((e, i) => (i % 4 === 0 ? [e, e] : [e])));
    const a = startService(env);
    await grown("replica A wrote", 400);
    // B joins while A works: the group rebalances and B's producers fence A's for the partitions B takes.
    const b = startService(env);
    await produce(events.slice(8_000));
    await grown("replicas A and B wrote", 800);
    const c = startService(env);
    await grown("replicas A, B and C wrote", 800);
    b.child.kill("SIGKILL");
    await b.exited;
    await produce(events.filter((_, i) => i % 3 === 0)); // a replay while the group rebalances
    await grown("A and C took B's partitions over", 600);
    a.child.kill("SIGKILL");
    await a.exited;
    await stopWhenCaughtUp(kafka, c, env.KAFKA_GROUP_ID, input);

    const expected = new Set(events.map((e) => e.eventLogId));
    for (const topic of [env.TOPIC_DOOR_EVENTS, env.TOPIC_DOOR_EVENTS_ANONYMOUS]) {
      const ids = (await readToEnd(kafka, topic)).map((r) => r.headers.ce_id ?? "");
      expect([...countIds(ids)].filter(([, n]) => n > 1)).toEqual([]);
      expect(new Set(ids)).toEqual(expected);
    }
  }, 600_000);
});
