import { describe, expect, it } from "vitest";
import { loadIngressConfig } from "../config.js";
import { pollerGroup } from "./create-pollers.js";

const base = { WEBHOOK_INSECURE_NO_AUTH: "true" };

describe("the poller's leadership group", () => {
  it("keeps today's name by default, so an existing install keeps its election", () => {
    const { poller } = loadIngressConfig(base);
    expect(pollerGroup("acme", poller.groupPrefix)).toBe("parakey-bridge-poller-acme");
  });

  it("is scoped by POLLER_GROUP_PREFIX, so two releases on one cluster hold separate elections", () => {
    const { poller } = loadIngressConfig({
      ...base,
      POLLER_GROUP_PREFIX: "prod.blue.parakey-bridge-poller-",
    });
    expect(pollerGroup("acme", poller.groupPrefix)).toBe("prod.blue.parakey-bridge-poller-acme");
  });
});
