import { runService } from "@parakey-bridge/service-kit";
import { loadIngressConfig } from "./config.js";
import { createIngressService } from "./service.js";

// Composition root of the ingress: the only module with side effects. Further intakes (the poller)
// join in createIngressService, sharing its producer, recent ids and metrics: added last, they stop
// first, before the producer flushes.
await runService({
  service: "ingress",
  loadConfig: loadIngressConfig,
  // The configured secret header carries a credential: never logged.
  redact: (config) => {
    const header = config.webhook.auth.secretHeader;
    return header ? [`headers["${header}"]`, `*.headers["${header}"]`] : [];
  },
  create: (config, deps) => {
    if (config.webhook.auth.insecureNoAuth) {
      deps.log.warn(
        "WEBHOOK_INSECURE_NO_AUTH=true: the webhook accepts requests WITHOUT credentials (development only)",
      );
    }
    return createIngressService(config, deps);
  },
  started: (service, config, log) =>
    log.info(
      { port: service.webhook.port, adminPort: service.admin.port, path: config.webhook.path },
      "ingress listening",
    ),
});
