export {
  ANONYMOUS_DOOR_EVENT_TYPE,
  AnonymousDoorEvent,
  anonymizeDoorEvent,
  anonymousDoorEventHeaders,
  decodeAnonymousDoorEvent,
  encodeAnonymousDoorEvent,
} from "./anonymous-door-event.js";
export {
  anonymousDoorEventJsonSchema,
  asyncApiDocument,
  checkInJsonSchema,
  doorEventJsonSchema,
} from "./asyncapi.js";
export {
  CHECKIN_TYPE,
  CheckIn,
  checkInHeaders,
  checkInIdOf,
  decodeCheckIn,
  encodeCheckIn,
  IanaTimeZone,
  isSuccessfulUnlock,
  localDateOf,
} from "./checkin.js";
export {
  type CloudEventHeaders,
  cloudEventSource,
  DOOR_EVENT_TYPE,
  doorEventHeaders,
  doorEventRecord,
  readCloudEventHeaders,
} from "./cloudevents.js";
export {
  DoorEvent,
  decodeDoorEvent,
  doorEventReceivedAt,
  encodeDoorEvent,
  Via,
} from "./door-event.js";
export {
  type NormalizeContext,
  type Normalized,
  normalizeEventLog,
  normalizeEventLogText,
  type Rejection,
  RejectionReason,
} from "./normalize.js";
export {
  deviceIdOf,
  domainIdOf,
  OriginalEventLog,
  PARAKEY_PAYLOAD_VERSION,
  ParakeyEventLog,
  parseInstant,
  userIdOf,
} from "./parakey-event-log.js";
export { type Decoded, decodeRecordValue } from "./record-value.js";
export { type RejectedMetadata, rejectedRecordHeaders, rejectedRecordKey } from "./rejected.js";
export { deadLetterTopic, Topics } from "./topics.js";
