/** Kafka topic names shared by every service; consumers of other teams read the same names. */
export const Topics = {
  /** Normalized DoorEvent v1, keyed by device id. At-least-once: dedupe on `ce_id`. */
  eventLogs: "parakey.event-logs.v1",
  /** Webhook/poll payloads that could not be normalized: exact bytes as value, reason in headers. */
  rejected: "parakey.event-logs.rejected.v1",
  /** CheckIn v1, keyed by domain id. */
  checkins: "parakey.checkins.v1",
  /**
   * DoorEvent v1 with each event log id at most once, ever (written in Kafka transactions by the
   * streams service): read it with isolation level read_committed. Keyed by device id.
   */
  doorEvents: "parakey.door-events.v1",
  /** AnonymousDoorEvent v1: the same events without personal data, transactional like doorEvents. */
  doorEventsAnonymous: "parakey.door-events.anonymous.v1",
  /** Compacted, internal: the event log ids streams has written, per input partition. */
  doorEventsSeen: "parakey-bridge.door-events.seen",
  /** Compacted: the poller's checkpoint per integration. */
  pollerState: "parakey-bridge.poller-state",
} as const;

/** The dead-letter topic of one consumer group: records that group could not process. */
export function deadLetterTopic(group: string): string {
  return `${Topics.eventLogs}.${group}.dlq`;
}
