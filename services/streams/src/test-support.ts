import type { ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DoorEvent, readCloudEventHeaders } from "@parakey-bridge/contracts";
import { doorEventFixture } from "@parakey-bridge/contracts/testing";
import type { Kafka } from "@parakey-bridge/kafka";
import {
  caughtUp,
  type ServiceProcess,
  startServiceProcess,
  testKafkaBrokers,
  uniqueName,
  waitUntil,
} from "@parakey-bridge/testkit";
import { readToEnd as readTopicToEnd } from "@parakey-bridge/testkit/launchers";
import { expect } from "vitest";

// Helpers for streams' integration tests (not part of the build).

/** A test key of the right length (never used outside tests). */
export const TEST_PSEUDONYM_KEY = "test-pseudonym-key-0123456789-abcdefghijklmnop";

/** A valid DoorEvent as the ingress would produce it; `year` moves it into old history (a backfill). */
export function doorEvent(
  id: string,
  index: number,
  options: { year?: number; extra?: Record<string, unknown> } = {},
): DoorEvent {
  return doorEventFixture({
    id,
    deviceId: `dev_${index % 30}`,
    domainId: `dom_${index % 4}`,
    userId: `usr_${index % 11}`,
    success: index % 10 !== 0,
    occurredAt: new Date(Date.UTC(options.year ?? 2026, 10, 23, 8, 0, 0) + index * 1_000),
    delayMs: 1_000,
    via: index % 3 === 0 ? "poll" : "webhook",
    ...(options.extra === undefined ? {} : { extra: options.extra }),
  });
}

/** The environment of a streams process; the names a test reads back are typed. */
export type StreamEnv = Record<string, string> & {
  KAFKA_GROUP_ID: string;
  TOPIC_DOOR_EVENTS: string;
  TOPIC_DOOR_EVENTS_ANONYMOUS: string;
  TOPIC_DOOR_EVENTS_STATE: string;
};

/** The environment of a streams process on fresh, uniquely named topics. */
export function streamEnv(prefix: string, input: string): StreamEnv {
  return {
    KAFKA_BROKERS: testKafkaBrokers().join(","),
    KAFKA_GROUP_ID: uniqueName(`${prefix}-group`),
    TOPIC_EVENT_LOGS: input,
    TOPIC_DOOR_EVENTS: uniqueName(`${prefix}-door-events`),
    TOPIC_DOOR_EVENTS_ANONYMOUS: uniqueName(`${prefix}-anonymous`),
    TOPIC_DOOR_EVENTS_STATE: uniqueName(`${prefix}-seen`),
    ENSURE_TOPICS: "true",
    TOPIC_PARTITIONS: "3",
    PSEUDONYM_KEY: TEST_PSEUDONYM_KEY,
    CONSUMER_SESSION_TIMEOUT_MS: "6000",
    TRANSACTION_TIMEOUT_MS: "15000",
    PORT: "0",
    ADMIN_PORT: "0",
  };
}

const serviceDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const running = new Set<ChildProcess>();

/** SIGKILLs the service processes a test started and left running (a failed test's leftovers). */
export function killLeftoverServices(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

/** The built service as its own process (see the testkit's `startServiceProcess`). */
export function startService(env: Record<string, string>): ServiceProcess {
  const started = startServiceProcess(serviceDir, env);
  running.add(started.child);
  void started.exited.then(() => running.delete(started.child));
  return started;
}

/**
 * Waits until the streams process's group consumed `input` to its end, then stops the process with
 * SIGTERM, which must end it cleanly (exit 0: the transaction in flight finished, the group left).
 */
export async function stopWhenCaughtUp(
  kafka: Kafka,
  service: ServiceProcess,
  group: string,
  input: string,
): Promise<void> {
  await waitUntil("the stream consumed the whole input", () => caughtUp(kafka, group, [input]), 180_000);
  service.child.kill("SIGTERM");
  expect(await service.exited).toBe(0);
}

/** One record as `readToEnd` returns it; a repeated header gives its first value. */
export interface TopicRecord {
  partition: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Every data record of a topic up to the end offsets it has now (the testkit's `readToEnd`):
 * read_committed by default, what a team reads; `readUncommitted` also returns the records of
 * aborted transactions.
 */
export async function readToEnd(
  kafka: Kafka,
  topic: string,
  options: { readUncommitted?: boolean; timeoutMs?: number } = {},
): Promise<TopicRecord[]> {
  const records: TopicRecord[] = [];
  await readTopicToEnd(
    kafka,
    topic,
    (message, partition) => {
      const headers = readCloudEventHeaders(message.headers);
      records.push({ partition, key: message.key?.toString() ?? null, value: message.value, headers });
    },
    { timeoutMs: 60_000, ...options },
  );
  return records;
}

/** Each id with how often it occurs. */
export function countIds(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}
