import type { Kafka } from "kafkajs";

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

/**
 * Reads a topic from the beginning until `count` records arrived or `timeoutMs` passed, with a fresh
 * consumer group. For tests that assert what is on a topic.
 *
 * @example
 * const records = await readTopic(kafka, "parakey.event-logs.v1", { count: 2 });
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  options: { count?: number; timeoutMs?: number; idleMs?: number } = {},
): Promise<ConsumedRecord[]> {
  const consumer = kafka.consumer({ groupId: `test-reader-${topic}-${Date.now()}-${Math.random()}` });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timeout = setTimeout(resolve, options.timeoutMs ?? 15_000);
      let idle: NodeJS.Timeout | undefined;
      const armIdle = () => {
        if (options.count !== undefined || options.idleMs === undefined) return;
        clearTimeout(idle);
        idle = setTimeout(() => {
          clearTimeout(timeout);
          resolve();
        }, options.idleMs);
      };
      armIdle();
      void consumer.run({
        eachMessage: async ({ topic: t, partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [name, raw] of Object.entries(message.headers ?? {})) {
            const value = Array.isArray(raw) ? raw[0] : raw;
            if (value !== undefined) headers[name] = value.toString();
          }
          records.push({
            topic: t,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            value: message.value,
            headers,
            timestamp: message.timestamp,
          });
          armIdle();
          if (options.count !== undefined && records.length >= options.count) {
            clearTimeout(timeout);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
