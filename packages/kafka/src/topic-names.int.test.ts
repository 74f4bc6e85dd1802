import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { testKafkaBrokers, uniqueName } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";
import { brokerSuite } from "./test-support.js";

const packageRoot = join(import.meta.dirname, "..");

describe("topic names (one source for the services, the topics CLI and the chart)", () => {
  const { admin, created } = brokerSuite("topic-names");

  it("makes `topics ensure` create a topic under the name TOPIC_EVENT_LOGS gives it, as the services read it", async () => {
    const prefix = `${uniqueName("topic-names")}.`;
    const renamed = `${prefix}renamed-events.v1`;
    await promisify(execFile)(process.execPath, ["dist/cli/topics.js", "ensure"], {
      cwd: packageRoot,
      env: {
        PATH: process.env.PATH,
        KAFKA_BROKERS: testKafkaBrokers().join(","),
        KAFKA_GROUP_IDS: "",
        // The other topics behind a prefix, so the run touches nothing another test uses.
        TOPIC_NAME_PREFIX: prefix,
        TOPIC_EVENT_LOGS: renamed,
        TOPIC_PARTITIONS: "1",
        TOPIC_REPLICATION_FACTOR: "1",
        LOG_LEVEL: "error",
      },
      timeout: 60_000,
    });
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    created.push(...topics);
    expect(topics).toContain(renamed);
    expect(topics).not.toContain(`${prefix}parakey.event-logs.v1`);
  });
});
