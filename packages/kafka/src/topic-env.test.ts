import { loadConfig } from "@parakey-bridge/config";
import { Topics } from "@parakey-bridge/contracts";
import { describe, expect, it } from "vitest";
import { TopicsCliEnv, topicsCliSpecs } from "./cli/topics-env.js";
import { TopicNamesEnv, topicNamesOf } from "./topic-env.js";

describe("topic names", () => {
  it("are the contract's names unless a TOPIC_* variable renames one", () => {
    expect(topicNamesOf(loadConfig(TopicNamesEnv, {}))).toEqual(Topics);
    const names = topicNamesOf(loadConfig(TopicNamesEnv, { TOPIC_CHECKINS: "team.checkins.v1" }));
    expect(names).toEqual({ ...Topics, checkins: "team.checkins.v1" });
  });

  it("put a prefix before the names left at their default only", () => {
    const env = loadConfig(TopicNamesEnv, { TOPIC_EVENT_LOGS: "events.v1" });
    expect(topicNamesOf(env, "blue.")).toMatchObject({
      eventLogs: "events.v1",
      rejected: `blue.${Topics.rejected}`,
      pollerState: `blue.${Topics.pollerState}`,
    });
  });

  it("are the names `topics ensure` creates, so a topic a service reads under TOPIC_EVENT_LOGS exists", () => {
    const specs = topicsCliSpecs(
      loadConfig(TopicsCliEnv, { TOPIC_EVENT_LOGS: "events.v1", KAFKA_GROUP_IDS: "" }),
    );
    expect(specs.map((spec) => spec.topic)).toContain("events.v1");
    expect(specs.map((spec) => spec.topic)).not.toContain(Topics.eventLogs);
    expect(specs).toHaveLength(Object.keys(Topics).length);
  });
});
