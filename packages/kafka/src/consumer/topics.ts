import { deadLetterTopic } from "@parakey-bridge/contracts";

/**
 * The redrive topic of one consumer group: dead-lettered records an operator sends back for
 * processing. Only that group subscribes to it, so a redrive never reaches another team's consumer.
 */
export function redriveTopic(group: string): string {
  return deadLetterTopic(group).replace(/\.dlq$/, ".redrive");
}

export { deadLetterTopic };
