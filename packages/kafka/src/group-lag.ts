import type { Kafka } from "kafkajs";

/**
 * A group's lag on one topic right now: the sum over partitions of high watermark minus committed
 * offset (the whole retained partition when nothing is committed). One admin round trip; for
 * dashboards that show lag at a glance (the services export it per partition as a metric).
 *
 * @example
 * const lag = await groupLag(kafka, "parakey-bridge-audit", "parakey.event-logs.v1"); // 0 when caught up
 */
export async function groupLag(kafka: Kafka, group: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId: group, topics: [topic] }),
    ]);
    let lag = 0n;
    for (const end of ends) {
      const offset = BigInt(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? "-1");
      const from = offset >= 0n ? offset : BigInt(end.low);
      if (BigInt(end.high) > from) lag += BigInt(end.high) - from;
    }
    return Number(lag);
  } finally {
    await admin.disconnect();
  }
}
