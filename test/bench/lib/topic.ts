import { type ReadToEndOptions, readToEnd } from "@parakey-bridge/testkit/launchers";
import type { Kafka, KafkaMessage } from "kafkajs";

/** What a run left on a topic: its records, their distinct ids, and how many had none. */
export interface TopicIds {
  records: number;
  ids: Set<string>;
  withoutId: number;
}

/** The CloudEvents id our producers put on every record (the event log id). */
export const ceId = (message: KafkaMessage): string | undefined => message.headers?.ce_id?.toString();

/**
 * Reads `topic` to the end offsets it has now and collects each record's id (`ceId` unless told),
 * so a benchmark can check that every record it was told was stored is there.
 */
export async function idsOnTopic(
  kafka: Kafka,
  topic: string,
  options: ReadToEndOptions & { idOf?: (message: KafkaMessage) => string | undefined } = {},
): Promise<TopicIds> {
  const idOf = options.idOf ?? ceId;
  const found: TopicIds = { records: 0, ids: new Set(), withoutId: 0 };
  await readToEnd(
    kafka,
    topic,
    (message) => {
      found.records += 1;
      const id = idOf(message);
      if (id) found.ids.add(id);
      else found.withoutId += 1;
    },
    options,
  );
  return found;
}
