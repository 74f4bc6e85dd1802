export { backoffDelay, defaultRetryPolicy, type RetryPolicy } from "./backoff.js";
export {
  type DeadLetterFailure,
  DeadLetterHeaders,
  deadLetterHeaders,
  type RecordOrigin,
} from "./dead-letter.js";
export { doorEventDecoder, doorEventReceivedAt } from "./door-events.js";
export type { RecordOutcome } from "./metrics.js";
export {
  RedriveHeaders,
  type RedriveOptions,
  type ReplayMove,
  type ReplayOptions,
  redriveCursorGroup,
  redriveDeadLetters,
  replayGroup,
} from "./operator.js";
export { operatorUsage, runOperatorCommand } from "./operator-cli.js";
export { ConsumerRunner, type ConsumerRunnerOptions } from "./runner.js";
export { deadLetterTopic, redriveTopic } from "./topics.js";
export type { ConsumerSink, InboundRecord, RecordDecoder, WriteOutcome } from "./types.js";
