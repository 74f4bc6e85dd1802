import { loadConfig } from "@parakey-bridge/config";
import { BridgeServiceEnv } from "@parakey-bridge/kafka";
import { describe, expect, it } from "vitest";
import { loadIngressConfig } from "./config.js";

const secretEnv = { WEBHOOK_SECRET_HEADER: "x-parakey-secret", WEBHOOK_SECRETS: "s".repeat(32) };

describe("the environment the ingress shares with every service", () => {
  it("treats an empty OTEL_EXPORTER_OTLP_ENDPOINT as no export, as the consumer services do", () => {
    expect(
      loadConfig(BridgeServiceEnv, { OTEL_EXPORTER_OTLP_ENDPOINT: "" }).OTEL_EXPORTER_OTLP_ENDPOINT,
    ).toBe(undefined);
    expect(loadIngressConfig({ ...secretEnv, OTEL_EXPORTER_OTLP_ENDPOINT: "" }).otlpEndpoint).toBeUndefined();
  });

  it("refuses the same clashing ports as every service", () => {
    expect(() => loadIngressConfig({ ...secretEnv, PORT: "9000", ADMIN_PORT: "9000" })).toThrow(
      /ADMIN_PORT: must differ from PORT/,
    );
  });
});
