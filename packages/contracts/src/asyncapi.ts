import { z } from "zod";
import { ANONYMOUS_DOOR_EVENT_TYPE, AnonymousDoorEvent } from "./anonymous-door-event.js";
import { CHECKIN_TYPE, CheckIn } from "./checkin.js";
import { DOOR_EVENT_TYPE } from "./cloudevents.js";
import { DoorEvent } from "./door-event.js";
import { RejectionReason } from "./normalize.js";
import { Topics } from "./topics.js";

/** JSON Schema (draft 2020-12) of DoorEvent v1, generated from the zod source. */
export function doorEventJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://parakey-bridge.dev/schemas/door-event.v1.json",
    title: "DoorEvent",
    ...z.toJSONSchema(DoorEvent, { target: "draft-2020-12" }),
  };
}

/** JSON Schema of CheckIn v1. */
export function checkInJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://parakey-bridge.dev/schemas/check-in.v1.json",
    title: "CheckIn",
    ...z.toJSONSchema(CheckIn, { target: "draft-2020-12" }),
  };
}

/** JSON Schema of AnonymousDoorEvent v1. */
export function anonymousDoorEventJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://parakey-bridge.dev/schemas/anonymous-door-event.v1.json",
    title: "AnonymousDoorEvent",
    ...z.toJSONSchema(AnonymousDoorEvent, { target: "draft-2020-12" }),
  };
}

const cloudEventHeaders = (
  type: string,
  partitionKey: string,
  id = "Event log id: the dedupe key (the topic is at-least-once)",
  extra: Record<string, unknown> = {},
) => ({
  type: "object",
  required: ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type", "ce_partitionkey"],
  properties: {
    ce_specversion: { type: "string", const: "1.0" },
    ce_id: { type: "string", description: id },
    ce_source: { type: "string", description: "/parakey/domains/{domainId}" },
    ce_type: { type: "string", const: type },
    ce_time: { type: "string", format: "date-time" },
    ce_subject: { type: "string" },
    ce_partitionkey: { type: "string", description: partitionKey },
    "content-type": { type: "string", const: "application/json" },
    traceparent: { type: "string", description: "W3C trace context of the producing request" },
    ...extra,
  },
});

/**
 * The AsyncAPI 3.0 document of the topics the bridge writes, generated from the contract so it can
 * never drift from the code.
 */
export function asyncApiDocument(): Record<string, unknown> {
  const { $id: _doorId, ...doorEvent } = doorEventJsonSchema();
  const { $id: _checkInId, ...checkIn } = checkInJsonSchema();
  const { $id: _anonymousId, ...anonymousDoorEvent } = anonymousDoorEventJsonSchema();
  const exactlyOnce =
    "Each event log id at most once, ever, written in Kafka transactions: read with isolation level read_committed.";
  return {
    asyncapi: "3.0.0",
    info: {
      title: "parakey-bridge",
      version: "1.0.0",
      description:
        "Parakey smart-lock event logs as a Kafka stream. Topics are at-least-once: dedupe on the ce_id header.",
    },
    defaultContentType: "application/json",
    channels: {
      eventLogs: {
        address: Topics.eventLogs,
        description: "Normalized door events, keyed by device id so each door's events stay in order.",
        messages: { doorEvent: { $ref: "#/components/messages/DoorEvent" } },
      },
      rejected: {
        address: Topics.rejected,
        description:
          "Payloads that could not be normalized: exact received bytes, reason in pb-reject-reason.",
        messages: { rejectedEventLog: { $ref: "#/components/messages/RejectedEventLog" } },
      },
      checkins: {
        address: Topics.checkins,
        description: "Check-ins keyed by domain id; act only on live ones for notifications.",
        messages: { checkIn: { $ref: "#/components/messages/CheckIn" } },
      },
      doorEvents: {
        address: Topics.doorEvents,
        description: `Door events keyed by device id, deduplicated. ${exactlyOnce}`,
        messages: { doorEvent: { $ref: "#/components/messages/DoorEvent" } },
      },
      doorEventsAnonymous: {
        address: Topics.doorEventsAnonymous,
        description: `Door events without personal data, keyed by device id: no name, e-mail, phone or original payload; the user id replaced by userPseudonym (HMAC-SHA256 under a key the bridge keeps). For teams that count unlocks but must not know who. ${exactlyOnce}`,
        messages: { anonymousDoorEvent: { $ref: "#/components/messages/AnonymousDoorEvent" } },
      },
    },
    operations: {
      publishDoorEvent: { action: "send", channel: { $ref: "#/channels/eventLogs" } },
      publishRejected: { action: "send", channel: { $ref: "#/channels/rejected" } },
      publishCheckIn: { action: "send", channel: { $ref: "#/channels/checkins" } },
      publishDedupedDoorEvent: { action: "send", channel: { $ref: "#/channels/doorEvents" } },
      publishAnonymousDoorEvent: { action: "send", channel: { $ref: "#/channels/doorEventsAnonymous" } },
    },
    components: {
      messages: {
        DoorEvent: {
          name: "DoorEvent",
          contentType: "application/json",
          headers: cloudEventHeaders(DOOR_EVENT_TYPE, "Device id (also the record key)"),
          payload: doorEvent,
          bindings: { kafka: { key: { type: "string", description: "Device id" }, bindingVersion: "0.5.0" } },
        },
        AnonymousDoorEvent: {
          name: "AnonymousDoorEvent",
          contentType: "application/json",
          headers: cloudEventHeaders(
            ANONYMOUS_DOOR_EVENT_TYPE,
            "Device id (also the record key)",
            "Event log id: unique on this topic (read_committed)",
          ),
          payload: anonymousDoorEvent,
          bindings: { kafka: { key: { type: "string", description: "Device id" }, bindingVersion: "0.5.0" } },
        },
        RejectedEventLog: {
          name: "RejectedEventLog",
          contentType: "application/octet-stream",
          headers: {
            type: "object",
            required: ["pb-reject-reason", "pb-reject-detail", "pb-via", "pb-received-at"],
            properties: {
              "pb-reject-reason": { type: "string", enum: RejectionReason.options },
              "pb-reject-detail": { type: "string" },
              "pb-via": { type: "string", enum: ["webhook", "poll"] },
              "pb-received-at": { type: "string", format: "date-time" },
              "pb-event-log-id": { type: "string" },
              "pb-device-id": { type: "string" },
              "pb-request-id": { type: "string" },
              "pb-truncated": {
                type: "string",
                const: "true",
                description: "The value is only the first bytes of a payload too large to keep",
              },
              "pb-original-bytes": {
                type: "string",
                description: "Size of the whole payload (truncated only)",
              },
              "pb-original-sha256": {
                type: "string",
                description: "SHA-256 (hex) of the whole payload (truncated only)",
              },
            },
          },
          payload: {
            type: "string",
            format: "binary",
            description: "The payload exactly as received (its first bytes when pb-truncated)",
          },
        },
        CheckIn: {
          name: "CheckIn",
          contentType: "application/json",
          headers: cloudEventHeaders(
            CHECKIN_TYPE,
            "Domain id (also the record key)",
            "Check-in id (domain, user, local day): the dedupe key (the topic is at-least-once)",
            {
              "pb-live": {
                type: "string",
                enum: ["true", "false"],
                description: "Copy of the payload's live",
              },
            },
          ),
          payload: checkIn,
          bindings: { kafka: { key: { type: "string", description: "Domain id" }, bindingVersion: "0.5.0" } },
        },
      },
    },
  };
}
