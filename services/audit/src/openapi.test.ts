import { AccessLog, Pseudonymiser } from "@parakey-bridge/auth";
import { testApiKeys } from "@parakey-bridge/auth/testing";
import {
  describeOpenApiDocument,
  ManualClock,
  untouchedDependency,
} from "@parakey-bridge/service-kit/testing";
import { pino } from "pino";
import { createApp, openApiDocument } from "./app.js";
import type { ChainVerifier } from "./chain/verify.js";
import type { AuditStore } from "./store/audit-store.js";

describeOpenApiDocument("the audit API", {
  file: "audit",
  generate: openApiDocument,
  app: () => {
    const keys = testApiKeys({ auditor: { roles: ["auditor"] } });
    return createApp({
      store: untouchedDependency<AuditStore>("AuditStore"),
      verifier: untouchedDependency<ChainVerifier>("ChainVerifier"),
      auth: keys.settings,
      accessLog: new AccessLog(untouchedDependency("db"), new ManualClock()),
      pseudonyms: new Pseudonymiser(keys.settings.pseudonymKey),
      log: pino({ level: "silent" }),
    });
  },
});
